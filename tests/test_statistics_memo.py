"""statistics.memoized() computes each case's event dates, current stage and the list groupings
once per build; the figures must be exactly those computed without it."""

import random
from datetime import date, timedelta

from plugins.gongshi import statistics as st
from plugins.gongshi.store import ContentStore

from test_statistics_figures import FIXTURE


def _random_dataset(seed: int) -> st.Dataset:
    """Cases with repeated stages, missing and invalid dates, no agency; facts across years."""
    rng = random.Random(seed)
    agencies = ["a1", "a2", "a3", None]
    day0 = date(2024, 11, 1)

    def day(n=None):
        return rng.choice([None, "", "2025-02-30", str(day0 + timedelta(days=rng.randrange(800)))])

    cases = []
    for i in range(300):
        events = [{"stage": rng.choice(st.STAGES + ("其他", None)), "date": day(),
                   "entered_date": day()} for _ in range(rng.randrange(6))]
        cases.append({"id": f"c{i}", "agency_id": rng.choice(agencies), "filed_date": day(),
                      "procedure": rng.choice(["普通程序", "简易程序"]), "major": rng.choice([True, False, None]),
                      "decision_id": f"p{i}" if rng.random() < 0.6 else None,
                      "published": rng.random() < 0.5, "events": events, "matter_id": f"m{i % 7}"})
    facts = [{"id": f"p{i}" if rng.random() < 0.5 else None, "agency_id": rng.choice(agencies),
              "decision_date": day(), "disclosed_date": day(), "status_date": day(),
              "withdrawn_published_date": day(), "published": rng.random() < 0.5,
              "status": rng.choice(["公示中", "已撤销", "已变更"]), "kinds": ["罚款"], "fine_yuan": 500}
             for i in range(300)]
    return st.Dataset(as_of=date(2026, 11, 20), cases=cases, penalty_facts=facts,
                      permit_facts=facts[:100], matters=[{"id": f"m{i}", "category": "行政检查"} for i in range(7)],
                      published={"penalties": {f"p{i}" for i in range(0, 300, 2)}, "permits": set(),
                                 "withdrawals": set()})


def _figures(ds: st.Dataset) -> dict:
    parts = ds.by_agency()
    years = ds.years()
    return {
        "city": {y: st.year_figures(ds, y) for y in years},
        "body": {(a, y): st.year_figures(p, y) for a, p in parts.items() for y in years},
        "city_acc": {y: st.accountability(ds, year=y) for y in years},
        "body_acc": {(a, y): st.accountability(p, year=y) for a, p in parts.items() for y in years},
        "filtered": {(a, y): st.accountability(ds, year=y, agency_id=a) for a in parts for y in years},
    }


def test_memoized_figures_equal_plain_ones():
    for ds in [st.dataset_from_store(ContentStore(FIXTURE))] + [_random_dataset(s) for s in range(3)]:
        plain = _figures(ds)
        with st.memoized():
            memo = _figures(ds)
        assert memo == plain


def test_memo_ends_with_the_block_so_a_changed_case_is_seen():
    ds = _random_dataset(7)
    case = {"id": "c", "events": [{"stage": "立案", "date": "2026-01-05"}]}
    with st.memoized():
        assert st.current_stage(case) == "立案"
    case["events"].append({"stage": "结案", "date": "2030-01-01"})
    assert st.current_stage(case) == "结案"
    with st.memoized():
        assert st.current_stage(case) == "结案"
