"""statistics_pass.all_figures computes every figure of a build in one pass over the records; the
figures must be exactly those of the definitions (statistics.year_figures / accountability per
year, city-wide and on each body's part of the dataset), which the generator used to ask for one
by one. Also the shortcuts the pass relies on, each against the plain computation."""

import random
from datetime import date, timedelta

import pytest

from pipeline import workdays
from plugins.gongshi import statistics as st
from plugins.gongshi import statistics_pass
from plugins.gongshi.store import ContentStore

from test_statistics_figures import FIXTURE
from test_statistics_memo import _random_dataset


def _reference(ds: st.Dataset, years: list[int]) -> dict:
    parts = ds.by_agency()
    return {
        "city": {y: st.year_figures(ds, y) for y in years},
        "body": {(a, y): st.year_figures(p, y) for a, p in parts.items() for y in years},
        "city_acc": {y: st.accountability(ds, year=y) for y in years},
        "body_acc": {(a, y): st.accountability(p, year=y) for a, p in parts.items() for y in years},
    }


def _with_foreign_matters(seed: int) -> st.Dataset:
    """A random dataset whose matters belong to bodies: a case filed under another body's matter
    counts under its type city-wide, not in its own body's figures."""
    ds = _random_dataset(seed)
    rng = random.Random(seed)
    ds.matters = [{"id": f"m{i}", "agency_id": rng.choice(["a1", "a2", None]),
                   "category": rng.choice(st.POWER_TYPES + ("自定义类别",))} for i in range(7)]
    ds.supervision = [{"year": 2025, "monitored_cases": 3}]
    for fact in ds.penalty_facts:  # withdrawal notices, published (w0) or no longer (the rest)
        if fact["status"] != "公示中" and rng.random() < 0.5:
            fact["notice_id"] = f"w{rng.randrange(3)}"
    ds.published["withdrawals"] = {"w0"}
    return ds


@pytest.mark.parametrize("make", [lambda: st.dataset_from_store(ContentStore(FIXTURE))]
                         + [lambda s=s: _random_dataset(s) for s in range(4)]
                         + [lambda s=s: _with_foreign_matters(s) for s in range(4, 8)])
def test_one_pass_equals_the_definitions(make):
    ds = make()
    for years in (ds.years(), ds.years()[:-1], [1999] + ds.years()):
        assert statistics_pass.all_figures(ds, years) == _reference(ds, years)


def test_one_pass_shares_the_overdue_metric_like_the_memo():
    ds = st.dataset_from_store(ContentStore(FIXTURE))
    figures = statistics_pass.all_figures(ds, ds.years())
    for y in ds.years():
        assert figures["city"][y].overdue_decided is figures["city_acc"][y]["overdue"]
    assert figures["city"][2026].supervision == st.supervision_for(ds.supervision, 2026)
    assert all(f.supervision is None for f in figures["body"].values())


def test_running_workdays_equal_the_day_by_day_count():
    rng = random.Random(3)
    counter = st.RunningWorkdays()
    # spans inside the official calendar, across its end (Mon–Fri there) and growing both ways
    days = [date(2026, 11, 20) + timedelta(days=rng.randrange(-4000, 1500)) for _ in range(400)]
    for _ in range(600):
        start, end = rng.choice(days), rng.choice(days) if rng.random() < 0.2 else None
        end = end or start + timedelta(days=rng.randrange(-20, 120))
        assert counter.between(start, end) == workdays.workdays_between(start, end), (start, end)
    assert counter.between(date(2026, 2, 13), date(2026, 3, 2)) == 7   # Spring Festival (figures test)
    # a stray far date is counted day by day and does not stretch the covered range
    covered = len(counter.counts)
    for start, end in ((date(1, 1, 1), date(1, 3, 1)), (date(9999, 12, 1), date(9999, 12, 31))):
        assert counter.between(start, end) == workdays.workdays_between(start, end)
    assert len(counter.counts) == covered


def test_current_stage_is_the_last_of_the_sorted_events():
    rng = random.Random(5)
    for _ in range(500):
        events = [{"stage": rng.choice(st.STAGES + ("其他", None, 3)),
                   "date": rng.choice([None, "", "2026-01-02", "2026-01-03", date(2026, 1, 2)])}
                  for _ in range(rng.randrange(5))]
        ordered = sorted(events, key=lambda e: (str(e.get("date") or ""), st._stage_rank(e.get("stage"))))
        assert st.current_stage({"events": events}) == (ordered[-1]["stage"] if ordered else "立案")


@pytest.mark.parametrize("value", [None, "", "2026-02-30", "2026-02-03", "2026-02-03T10:00:00",
                                   "20260203", "abc", date(2026, 2, 3), 20260203, ["2026-02-03"]])
def test_parse_date_cache_gives_the_plain_result(value):
    def plain(v):
        if not v:
            return None
        if isinstance(v, date):
            return v
        try:
            return date.fromisoformat(str(v)[:10])
        except ValueError:
            return None
    assert st.parse_date(value) == plain(value)
