"""Statistics and accountability figures on a hand-built content tree (tests/fixtures/stats/content).

Every expected number below was counted by hand from the fixture files against the official 2026
holiday schedule (Spring Festival 15–23 Feb off, Sat 14 Feb and Sat 28 Feb worked; New Year 1–3 Jan
off, Sun 4 Jan worked; Qingming 4–6 Apr; Labour Day 1–5 May off, Sat 9 May worked; National Day 1–7
Oct off, Sat 10 Oct worked). The comments show the counting.
"""

import os
from datetime import date

import pytest

from plugins.gongshi import statistics as st
from plugins.gongshi.store import ContentStore

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "stats", "content")
A = "11370281mb0000011t"   # 市场监督管理局
B = "11370281mb0000022y"   # 生态环境分局


@pytest.fixture(scope="module")
def ds():
    return st.dataset_from_store(ContentStore(FIXTURE))


def test_dataset_reads_facts_per_table_and_as_of(ds):
    assert ds.as_of == date(2026, 11, 20)
    assert len(ds.penalty_facts) == 9 and len(ds.permit_facts) == 3
    assert ds.published["penalties"] == {"cf-p1", "cf-p2", "cf-p3", "cf-p6", "cf-p8"}
    assert ds.years() == [2025, 2026]


def test_spring_festival_disclosures_use_the_official_calendar(ds):
    # All three decided Fri 13 Feb 2026, the eve of the Spring Festival holiday.
    # p1 online Wed 25 Feb: 14 (adjusted Sat), 24, 25 -> 3 working days: on time.
    # p3 online Mon 2 Mar: 14, 24, 25, 26, 27, 28 (adjusted Sat), 2 -> 7: on time (a Mon–Fri count says 11).
    # p2 online Wed 4 Mar: ... 2, 3, 4 -> 9: late.
    feb13 = st.Dataset(as_of=ds.as_of, published=ds.published,
                       penalty_facts=[f for f in ds.penalty_facts if f["decision_date"] == "2026-02-13"])
    metric = st.disclosure_timeliness(feb13)
    assert (metric.total, metric.ok, metric.failures) == (3, 2, [("penalties", "cf-p2")])
    assert metric.details == {("penalties", "cf-p2"): "决定后第9个工作日公示"}


def test_disclosure_timeliness_city_2026(ds):
    # subject (went online): p1 ok, p2 late, p3 ok, p5 late (1 Apr -> 20 Apr: 12 wd; no longer
    # published -> counted, not listed), p6 ok (2 wd), p9 ok (20 -> 22 Jan: 2 wd), x1 ok (29 Sep ->
    # 12 Oct over National Day: 30, 8, 9, 10, 12 = 5 wd), x2 late (2 -> 13 Nov: 9 wd).
    # p4, p7, x3 were withheld from the start: not subject.
    m = st.disclosure_timeliness(ds, year=2026)
    assert (m.total, m.ok, m.hidden, m.missing) == (8, 5, 1, 0)
    assert m.failures == [("penalties", "cf-p2"), ("permits", "xk-x2")]
    assert m.share == 62.5 and not m.estimated


def test_disclosure_timeliness_per_agency_and_new_year(ds):
    a = st.disclosure_timeliness(ds, year=2026, agency_id=A)
    assert (a.total, a.ok, a.failures, a.hidden) == (6, 4, [("penalties", "cf-p2")], 1)
    b = st.disclosure_timeliness(ds, year=2026, agency_id=B)
    assert (b.total, b.ok, b.failures, b.hidden) == (2, 1, [("permits", "xk-x2")], 0)
    # p8: 30 Dec 2025 -> 5 Jan 2026: 31 Dec, 4 Jan (adjusted Sun), 5 Jan = 3 wd.
    y2025 = st.disclosure_timeliness(ds, year=2025)
    assert (y2025.total, y2025.ok) == (1, 1)


def test_entry_timeliness(ds):
    # 立案 events of 2026 with an entry date: c1 (5 -> 6 Jan, 1 wd) ok, c3 same day ok, c4 (2 -> 9 Jan:
    # 4, 5, 6, 7, 8, 9 = 6 wd) late, c6 (Sun 1 -> Mon 2 Mar, 1 wd) ok, c8 (10 -> 20 Apr: 6 wd) late,
    # c9 (Sat 1 -> Mon 3 Aug) ok. c5, c7 have no entry date. c4 and c8 have no published decision.
    m = st.entry_timeliness(ds, year=2026)
    assert (m.total, m.ok, m.hidden, m.missing, m.failures) == (6, 4, 2, 2, [])
    assert m.share == 66.7
    # c2: Sat 1 Nov 2025 -> Mon 10 Nov: 3, 4, 5, 6, 7, 10 = 6 wd, late; listed through cf-p2.
    y2025 = st.entry_timeliness(ds, year=2025)
    assert (y2025.total, y2025.ok, y2025.failures) == (1, 0, [("penalties", "cf-p2")])
    assert st.entry_timeliness(ds, year=2026, agency_id=B).total == 1


def test_legal_review_coverage(ds):
    # Major cases decided in 2026: c1 (review 10 Feb < decision 13 Feb) ok; c2 no review: fails,
    # listed via cf-p2; c4 review 12 Mar after decision 10 Mar: fails, unpublished; c6 review and
    # decision both 15 Jun: counted as before (same day, review ordered first).
    m = st.legal_review_coverage(ds, year=2026)
    assert (m.total, m.ok, m.failures, m.hidden) == (4, 2, [("penalties", "cf-p2")], 1)
    assert m.share == 50.0


def test_decision_deadline_and_durations(ds):
    # Ordinary cases decided in 2026, days 立案 -> 决定: c1 39, c2 104 (1 Nov 2025 -> 13 Feb), c3 34,
    # c4 67, c6 106 (1 Mar -> 15 Jun), c9 4. Past 90: c2, c6 (both published).
    m = st.decision_deadline(ds, year=2026)
    assert (m.total, m.ok, m.failures, m.hidden) == (6, 4, [("penalties", "cf-p2"), ("penalties", "cf-p6")], 0)
    assert m.details[("penalties", "cf-p6")] == "立案后第106日作出决定"
    # Durations include the simple-procedure c7 (0 days): 0 4 34 39 67 104 106.
    d = st.decision_durations(st.select_cases(ds.cases, year=2026, stage="决定"))
    assert (d.count, d.median, d.p90) == (7, 39, 106)
    # c5 filed 1 May 2026, still under investigation on 20 Nov: pending past 90 days.
    assert [c["id"] for c in st.pending_overdue(ds.cases, ds.as_of)] == ["aj-c5"]


def test_withdrawal_timeliness(ds):
    # p5 撤销 Thu 30 Apr, taken down Fri 8 May over Labour Day: 6, 7, 8 = 3 wd, on time.
    # p9 变更 Tue 3 Mar, taken down Mon 9 Mar: 4, 5, 6, 9 = 4 wd, late; listed via its notice.
    m = st.withdrawal_timeliness(ds, year=2026)
    assert (m.total, m.ok, m.failures, m.hidden) == (2, 1, [("withdrawals", "cf-p9")], 0)
    assert m.details[("withdrawals", "cf-p9")] == "已变更后第4个工作日撤下"
    # p9's facts item has no id (no longer published): the pull gave it its notice's id.
    p9 = next(f for f in ds.penalty_facts if f["decision_date"] == "2026-01-20")
    assert p9["id"] is None and p9["notice_id"] == "cf-p9"


def test_withdrawal_without_a_published_notice_is_counted_but_not_linked(ds):
    gone = st.Dataset(as_of=ds.as_of, penalty_facts=ds.penalty_facts,
                      published={**ds.published, "withdrawals": set()})
    m = st.withdrawal_timeliness(gone, year=2026)
    assert (m.total, m.ok, m.failures, m.hidden) == (2, 1, [], 1)


def test_year_figures_city_2026(ds):
    y = st.year_figures(ds, 2026)
    assert y.actions == {"行政许可": 3, "行政处罚": 8, "行政强制": 1, "行政检查": 1}
    assert y.penalty_kinds == {"警告": 2, "罚款": 7, "没收违法所得": 1, "责令停产停业": 1}
    assert y.fine_bands == {"不足1万元": 3, "1万至5万元": 2, "5万至10万元": 0, "10万至50万元": 1,
                            "50万元及以上": 1, "无罚款": 1}
    assert y.stages == {"调查取证": 1, "法制审核": 1, "决定": 1, "送达": 1, "执行": 1, "结案": 3}
    assert y.overdue_pending == 1
    assert y.supervision["monitored_cases"] == 120


def test_year_figures_per_agency(ds):
    a = st.year_figures(ds, 2026, agency_id=A)
    assert a.actions == {"行政许可": 1, "行政处罚": 6, "行政强制": 1, "行政检查": 1}
    b = st.year_figures(ds, 2026, agency_id=B)
    assert b.actions == {"行政许可": 2, "行政处罚": 2}
    assert b.supervision is None   # supervision figures are city-wide only


@pytest.mark.parametrize("fine, band", [(0, "无罚款"), (None, "无罚款"), (1, "不足1万元"), (9999, "不足1万元"),
                                        (10000, "1万至5万元"), (49999, "1万至5万元"), (50000, "5万至10万元"),
                                        (100000, "10万至50万元"), (500000, "50万元及以上")])
def test_fine_band_edges(fine, band):
    assert st.fine_band(fine) == band


def test_percentile_nearest_rank():
    assert st.percentile([], 90) is None
    assert st.percentile([5], 90) == 5
    assert st.percentile(list(range(1, 11)), 90) == 9     # ceil(9.0) = 9th value
    assert st.percentile(list(range(1, 12)), 90) == 10    # ceil(9.9) = 10th value


def test_working_days_past_the_known_calendar_are_flagged():
    ds = st.Dataset(as_of=date(2027, 3, 1), penalty_facts=[
        {"id": "cf-x", "agency_id": A, "decision_date": "2026-12-30", "disclosed_date": "2027-01-08",
         "published": True}], published={"penalties": {"cf-x"}})
    m = st.disclosure_timeliness(ds)
    # 31 Dec (known), then Mon–Fri in 2027: 1, 4, 5, 6, 7, 8 -> 7 working days, on time but estimated.
    assert (m.total, m.ok, m.estimated) == (1, 1, True)


def test_unpublished_ids_are_never_listed():
    # A facts item carrying an id that is not among the published records is counted, not listed.
    ds = st.Dataset(as_of=date(2026, 11, 20), penalty_facts=[
        {"id": "cf-gone", "agency_id": A, "decision_date": "2026-03-02", "disclosed_date": "2026-04-01",
         "published": False}], published={"penalties": set()})
    m = st.disclosure_timeliness(ds)
    assert (m.total, m.failures, m.hidden) == (1, [], 1)


def test_per_agency_datasets_give_the_same_figures_as_filtering(ds):
    parts = ds.by_agency()
    assert sorted(parts) == [A, B]
    for aid, part in parts.items():
        for year in ds.years():
            assert st.year_figures(part, year).actions == st.year_figures(ds, year, agency_id=aid).actions
            assert st.accountability(part, year=year)["late-disclosure"].ok == \
                st.accountability(ds, year=year, agency_id=aid)["late-disclosure"].ok
    assert parts[A].supervision == []
