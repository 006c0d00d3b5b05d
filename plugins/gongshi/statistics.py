"""Every statistics and accountability figure, computed from the pipeline's content records.

Pure functions over plain dicts (docs/content-contract.md), no Pelican import, so each figure can be
unit-tested on a hand-built content tree. The generators only render what is computed here. A
build gets every figure at once from statistics_pass.all_figures, which applies the same rules
(the judge_* functions and the shared building blocks below) in one pass over the records.

Privacy (domain §8): figures count unpublished records too (natural persons, pending cases, withheld
or expired decisions), but a figure only ever *lists* records that are published right now. Every
list of records a figure exposes is built by `Metric.add`, which keeps the ids of published records
(`listable`, from Dataset.is_published) and reduces the rest to a count (`hidden`).
"""

from __future__ import annotations

import contextlib
import functools
import math
import statistics as pystats
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple


from pipeline import workdays

# 事项类别 in the order of the contract (category_slug in docs/content-contract.md).
POWER_TYPES = ("行政许可", "行政处罚", "行政强制", "行政征收", "行政征用", "行政检查", "行政确认",
               "行政给付", "行政裁决", "行政奖励", "其他行政权力")

# 处罚类别 (行政处罚法 第九条), in the law's order.
PENALTY_KINDS = ("警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
                 "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留", "其他")

# Fine bands in 元: (label, lower bound inclusive, upper bound exclusive).
NO_FINE = "无罚款"
FINE_BANDS = (
    ("不足1万元", 1, 10_000),
    ("1万至5万元", 10_000, 50_000),
    ("5万至10万元", 50_000, 100_000),
    ("10万至50万元", 100_000, 500_000),
    ("50万元及以上", 500_000, None),
)

# 办案环节 in procedural order (domain §2); a case's current stage is its latest event.
STAGES = ("案源登记", "立案", "调查取证", "告知", "听证", "法制审核", "集体讨论", "决定", "送达", "执行", "结案")
WITHDRAWN_STATUSES = ("已撤销", "已变更", "确认违法", "确认无效")

DISCLOSURE_LIMIT_WORKDAYS = 7   # 双公示: 许可/处罚 decisions online within 7 working days
WITHDRAWAL_LIMIT_WORKDAYS = 3   # 行政处罚法 第48条: a changed decision comes down within 3 working days
DECISION_LIMIT_DAYS = 90        # 行政处罚法 第60条: decide within 90 days of 立案 (calendar days)
# (policy) The platform has no statutory entry deadline; a 立案 counts as entered on time when its
# platform entry date is at most this many working days after the event.
ENTRY_LIMIT_WORKDAYS = 3


# ---------------------------------------------------------------------------------------------
# Input


def parse_date(value) -> date | None:
    if type(value) is str:  # the usual case: a content date string, one of a few thousand days
        return _parse_iso(value) if value else None
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 14)
def _parse_iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def year_of(value) -> int | None:
    d = parse_date(value)
    return d.year if d else None


@dataclass
class Dataset:
    """The records the figures are computed from; every list holds content-contract dicts."""

    as_of: date
    agencies: list[dict] = field(default_factory=list)
    matters: list[dict] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)
    penalty_facts: list[dict] = field(default_factory=list)
    permit_facts: list[dict] = field(default_factory=list)
    supervision: list[dict] = field(default_factory=list)
    # ids of records published right now, per content kind (penalties, permits, withdrawals)
    published: dict[str, set[str]] = field(default_factory=dict)

    def is_published(self, kind: str, record_id: str | None) -> bool:
        return bool(record_id) and record_id in self.published.get(kind, ())

    @property
    def matter_category(self) -> dict[str, str]:
        return {m["id"]: m.get("category") for m in self.matters if m.get("id")}

    def agency_ids(self) -> list[str]:
        """Every body named by a matter, case or decision, in order of first appearance (the
        keys of by_agency())."""
        seen: dict[str, None] = {}
        for name in ("matters", "cases", "penalty_facts", "permit_facts"):
            for item in getattr(self, name):
                if item.get("agency_id"):
                    seen.setdefault(item["agency_id"])
        return list(seen)

    def by_agency(self) -> dict[str, "Dataset"]:
        """One Dataset per body (one pass), so per-body figures cost O(records), not O(bodies × records).
        Supervision figures are city-wide and stay out of the per-body datasets."""
        parts: dict[str, Dataset] = {}

        def part(aid) -> Dataset:
            if aid not in parts:
                parts[aid] = Dataset(as_of=self.as_of, published=self.published)
            return parts[aid]

        for name in ("matters", "cases", "penalty_facts", "permit_facts"):
            for item in getattr(self, name):
                if item.get("agency_id"):
                    getattr(part(item["agency_id"]), name).append(item)
        return parts

    def years(self) -> list[int]:
        """Every year with at least one decision, case or supervision record, ascending."""
        found = {year_of(f.get("decision_date")) for f in self.penalty_facts + self.permit_facts}
        found |= {year_of(c.get("filed_date")) for c in self.cases}
        found |= {int(s["year"]) for s in self.supervision if s.get("year")}
        found.discard(None)
        return sorted(found)


def dataset_from_store(store, as_of: date | None = None) -> Dataset:
    """Build a Dataset from a plugins.gongshi.store.ContentStore (or anything with .records/.root)."""
    facts = store.facts()
    as_of = as_of or parse_date(store.site.get("as_of")) or date.today()
    return Dataset(
        as_of=as_of,
        agencies=store.records("agencies"),
        matters=store.records("matters"),
        cases=store.records("cases"),
        penalty_facts=facts.get("penalties", []),
        permit_facts=facts.get("permits", []),
        supervision=store.records("supervision"),
        published={kind: {r["id"] for r in store.records(kind) if r.get("id")}
                   for kind in ("penalties", "permits", "withdrawals")},
    )


# ---------------------------------------------------------------------------------------------
# Memo


# Per-record values asked for again and again while one build's figures are computed (every
# figure is computed city-wide and per body, and several figures read the same event dates):
# inside `memoized()` they are computed once per record. Keyed by id(record), the record kept in
# the entry so the id cannot be reused; records must not change inside the block.
_MEMO: dict | None = None


@contextlib.contextmanager
def memoized():
    """Within the block, compute each case's event dates, current stage and days to decision,
    each list's grouping by (year, body) and each decision-deadline figure once (the figures
    are the same as without it; tests compare both). A figure asked for twice is then the same
    Metric object: figures are not changed after they are computed."""
    global _MEMO
    outer = _MEMO
    if outer is None:
        _MEMO = {}
    try:
        yield
    finally:
        _MEMO = outer


def _memo(kind: str, record: dict, compute):
    memo = _MEMO
    if memo is None:
        return compute(record)
    key = (kind, id(record))
    hit = memo.get(key)
    if hit is None or hit[0] is not record:
        hit = memo[key] = (record, compute(record))
    return hit[1]


# ---------------------------------------------------------------------------------------------
# Filters


# (id(list), what) -> (the list, its length, {(year or None, agency or None): items in order}).
# Statistics pages ask for every (year, body) pair: one pass per list instead of one per pair.
_GROUPS: dict[tuple[int, str], tuple[list, int, dict]] = {}


def _grouped(items: list[dict], what: str, year_fn, year: int | None,
             agency_id: str | None) -> list[dict]:
    """Items whose year_fn(item) is `year` and agency_id is `agency_id` (None: any), in list order."""
    # inside memoized() the groups live as long as the block (a build asks for ~200 lists: a
    # bounded cache would drop and regroup them); outside it a small cache across calls
    cache = _MEMO if _MEMO is not None else _GROUPS
    hit = cache.get((id(items), what))
    if hit is None or hit[0] is not items or hit[1] != len(items):
        if cache is _GROUPS and len(_GROUPS) > 64:  # old builds' lists: let them go
            _GROUPS.clear()
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for item in items:
            when, agency = year_fn(item), item.get("agency_id")
            for y in (None, when) if when is not None else (None,):
                for a in (None, agency) if agency is not None else (None,):
                    groups[(y, a)].append(item)
        hit = cache[(id(items), what)] = (items, len(items), groups)
    return list(hit[2].get((year, agency_id), ()))


def select(items: list[dict], *, year: int | None = None, agency_id: str | None = None,
           date_key: str = "decision_date") -> list[dict]:
    """Items of one year (by date_key) and/or one agency; None means all."""
    return _grouped(items, f"date:{date_key}", lambda i: year_of(i.get(date_key)), year, agency_id)


def _scan_events(case: dict) -> tuple[dict[str, date], dict | None]:
    """(stage -> date of its first event with a valid date, the latest event): one pass over the
    events for both."""
    dates: dict[str, date] = {}
    # current stage: the last event in (date, stage order), the later one of equals, i.e.
    # sorted(events, key=...)[-1] without the sort
    latest, latest_key = None, None
    for event in case.get("events") or ():
        stage = event.get("stage")
        if type(stage) is str and stage not in dates:
            when = parse_date(event.get("date"))
            if when:
                dates[stage] = when
        key = (str(event.get("date") or ""), _stage_rank(stage))
        if latest is None or key >= latest_key:
            latest, latest_key = event, key
    return dates, latest


def _first_dates(case: dict) -> dict[str, date]:
    """Stage -> date of its first event with a valid date."""
    return _memo("events", case, _scan_events)[0]


def _event_date(case: dict, stage: str) -> date | None:
    """Date of the first event of this stage; 立案 falls back to the case's filed_date."""
    when = _first_dates(case).get(stage)
    if when is not None:
        return when
    return parse_date(case.get("filed_date")) if stage == "立案" else None


def _event(case: dict, stage: str) -> dict | None:
    return next((e for e in case.get("events") or () if e.get("stage") == stage), None)


def select_cases(cases: list[dict], *, year: int | None = None, agency_id: str | None = None,
                 stage: str = "立案") -> list[dict]:
    """Cases whose `stage` event falls in `year` (立案: filing year; 决定: decision year)."""
    def year_fn(case):
        when = _event_date(case, stage)
        return when.year if when else None
    return _grouped(cases, f"stage:{stage}", year_fn, year, agency_id)


# ---------------------------------------------------------------------------------------------
# Statistics figures


def matters_by_type(matters: list[dict], agency_id: str | None = None) -> dict[str, int]:
    """Powers held (权责清单) per 事项类别."""
    counts = Counter(m.get("category") for m in matters
                     if agency_id is None or m.get("agency_id") == agency_id)
    return _ordered(counts, POWER_TYPES)


def actions_by_type(ds: Dataset, *, year: int | None = None, agency_id: str | None = None) -> dict[str, int]:
    """Enforcement actions per power type: 许可 and 处罚 from the decisions (published or not),
    every other type from the cases filed under a matter of that type (so nothing counts twice)."""
    counts = Counter()
    counts["行政许可"] = len(select(ds.permit_facts, year=year, agency_id=agency_id))
    counts["行政处罚"] = len(select(ds.penalty_facts, year=year, agency_id=agency_id))
    category = ds.matter_category
    for case in select_cases(ds.cases, year=year, agency_id=agency_id):
        kind = case_action_type(case, category)
        if kind:
            counts[kind] += 1
    return actions_in_order(counts)


def case_action_type(case: dict, category: dict[str, str]) -> str | None:
    """The power type a case counts under (its matter's category), None for 许可/处罚 (those count
    by their decisions) or an unknown matter."""
    kind = category.get(case.get("matter_id"))
    return kind if kind and kind not in ("行政许可", "行政处罚") else None


def actions_in_order(counts: Counter) -> dict[str, int]:
    return _ordered(counts, POWER_TYPES, keep=("行政许可", "行政处罚"))


def penalties_by_kind(penalty_facts: list[dict]) -> dict[str, int]:
    """Decisions per 处罚类别; a decision with several kinds counts once under each."""
    counts = Counter(k for f in penalty_facts for k in (f.get("kinds") or ()))
    return _ordered(counts, PENALTY_KINDS)


def fine_band(fine_yuan) -> str:
    amount = int(fine_yuan or 0)
    if amount <= 0:
        return NO_FINE
    for label, lo, hi in FINE_BANDS:
        if amount >= lo and (hi is None or amount < hi):
            return label
    raise AssertionError("unreachable: the last band is open-ended")


def penalties_by_fine_band(penalty_facts: list[dict]) -> dict[str, int]:
    return fine_bands_in_order(Counter(fine_band(f.get("fine_yuan")) for f in penalty_facts))


def fine_bands_in_order(counts: Counter) -> dict[str, int]:
    return {label: counts.get(label, 0) for label in [b[0] for b in FINE_BANDS] + [NO_FINE]}


def current_stage(case: dict) -> str:
    """The latest event's stage (events are sorted by date, then stage order); 立案 without events."""
    latest = _memo("events", case, _scan_events)[1]
    return latest["stage"] if latest is not None else "立案"


_STAGE_RANK = {stage: rank for rank, stage in enumerate(STAGES)}


def _stage_rank(stage) -> int:
    if type(stage) is str:
        return _STAGE_RANK.get(stage, len(STAGES))
    return STAGES.index(stage) if stage in STAGES else len(STAGES)


def cases_by_stage(cases: list[dict]) -> dict[str, int]:
    return _ordered(Counter(current_stage(c) for c in cases), STAGES)


def days_to_decision(case: dict) -> int | None:
    """Calendar days from 立案 to 决定, None while undecided."""
    return _memo("days", case, _days_to_decision)


def _days_to_decision(case: dict) -> int | None:
    filed, decided = _event_date(case, "立案"), _event_date(case, "决定")
    return (decided - filed).days if filed and decided else None


def percentile(values: list[int], q: float) -> int | None:
    """Nearest-rank percentile: the smallest value with at least q% of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


@dataclass
class Durations:
    count: int
    median: float | None
    p90: int | None


def decision_durations(cases: list[dict]) -> Durations:
    """Median (mean of the two middle values for an even count) and nearest-rank 90th percentile."""
    return durations_of([d for d in (days_to_decision(c) for c in cases) if d is not None])


def durations_of(days: list[int]) -> Durations:
    return Durations(len(days), pystats.median(days) if days else None, percentile(days, 90))


def _ordinary(case: dict) -> bool:
    return case.get("procedure") == "普通程序"


def pending_overdue(cases: list[dict], as_of: date) -> list[dict]:
    """Ordinary-procedure cases still undecided more than 90 days after 立案 at as_of (not closed)."""
    return [case for case in cases if is_pending_overdue(case, as_of)]


def is_pending_overdue(case: dict, as_of: date) -> bool:
    filed = _event_date(case, "立案")
    return bool(_ordinary(case) and filed and _event_date(case, "决定") is None
                and current_stage(case) != "结案" and (as_of - filed).days > DECISION_LIMIT_DAYS)


def supervision_for(supervision: list[dict], year: int) -> dict | None:
    return next((s for s in supervision if str(s.get("year")) == str(year)), None)


def _ordered(counts: Counter, order: tuple[str, ...], keep: tuple[str, ...] = ()) -> dict[str, int]:
    """Known labels in their official order (zero counts dropped unless kept), unknown ones last."""
    out = {k: counts.get(k, 0) for k in order if counts.get(k, 0) or k in keep}
    out.update({k: counts[k] for k in sorted(counts, key=str) if k not in order and k is not None})
    return out


# ---------------------------------------------------------------------------------------------
# Accountability figures (domain §8)


@dataclass
class Metric:
    """One accountability figure: `ok` of `total` comply; the failures are listed (published ones
    by (kind, id)) or only counted (`hidden`). `estimated` marks a working-day count that ran past
    the known official holiday calendar (Monday–Friday counted there)."""

    total: int = 0
    ok: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    hidden: int = 0
    missing: int = 0            # records the figure cannot judge (e.g. no entry date recorded)
    estimated: bool = False
    details: dict[tuple[str, str], str] = field(default_factory=dict)   # ref -> what went wrong

    @property
    def failed(self) -> int:
        return self.total - self.ok

    @property
    def share(self) -> float | None:
        """Share complying in percent (one decimal), None when nothing is subject to the rule."""
        return round(100 * self.ok / self.total, 1) if self.total else None

    def record(self, judgement: "Judgement | str | None") -> None:
        """Add one record's judgement (None: the record is not subject to the rule)."""
        if judgement is None:
            return
        if judgement is MISSING:
            self.missing += 1
            return
        if judgement.estimated:
            self.estimated = True
        self.add(judgement.ok, judgement.ref, judgement.listable, judgement.detail)

    def add(self, ok: bool, ref: tuple[str, str | None], listable: bool, detail: str = "") -> None:
        self.total += 1
        if ok:
            self.ok += 1
        elif listable:
            self.failures.append(ref)
            self.details[ref] = detail
        else:
            self.hidden += 1


class Judgement(NamedTuple):
    """One record judged against one accountability rule (what Metric.record adds up)."""

    ok: bool
    ref: tuple[str, str | None]     # how a failure is listed: (content kind, published id)
    listable: bool                  # the record behind ref is published right now
    detail: str = ""                # what went wrong, shown beside a listed failure
    estimated: bool = False         # a working-day count ran past the known holiday calendar


# A record subject to a rule that lacks the date to judge it: counted apart (Metric.missing).
MISSING = "missing"


@functools.lru_cache(maxsize=1 << 16)
def _workday_count(start: date, end: date) -> tuple[int, bool]:
    """(working days, calendar known): a pure function of the two dates (the holiday calendar is
    fixed for the process), asked for the same pairs again and again."""
    return _WORKDAYS.between(start, end), workdays.calendar_known_between(start, end)


class RunningWorkdays:
    """workdays.workdays_between(start, end) as the difference of two running counts over the
    calendar: each calendar day is asked once whether it is a working day, not once per span
    that covers it (~30k spans of up to 90+ days in a large build)."""

    MARGIN = 400  # days added on each side when the covered range grows
    LIMIT = 100 * 366  # a stray date far from the rest is counted day by day, not covered

    def __init__(self) -> None:
        self.first = 0              # ordinal of the first covered day
        self.counts: list[int] = []  # counts[i]: working days in (first, first + i]

    def between(self, start: date, end: date) -> int:
        """Working days after start up to and including end; negative when end is before start."""
        lo, hi = min(start, end).toordinal(), max(start, end).toordinal()
        if not self.counts or lo < self.first or hi >= self.first + len(self.counts):
            if max(hi, self.first + len(self.counts)) - min(lo, self.first or lo) > self.LIMIT:
                return workdays.workdays_between(start, end)
            self._cover(lo, hi)
        return self.counts[end.toordinal() - self.first] - self.counts[start.toordinal() - self.first]

    def _cover(self, lo: int, hi: int) -> None:
        lo = max(1, lo - self.MARGIN)
        hi = min(date.max.toordinal(), hi + self.MARGIN)
        if self.counts:  # keep what was covered: one range from the lowest to the highest day asked
            lo, hi = min(lo, self.first), max(hi, self.first + len(self.counts) - 1)
        counts, running = [0], 0
        for ordinal in range(lo + 1, hi + 1):
            running += workdays.is_workday(date.fromordinal(ordinal))
            counts.append(running)
        self.first, self.counts = lo, counts


_WORKDAYS = RunningWorkdays()


def judge_disclosure(ds: Dataset, kind: str, fact: dict) -> Judgement | str | None:
    """A 许可/处罚 decision online within 7 working days? Subject: decisions that went online."""
    decided, disclosed = parse_date(fact.get("decision_date")), parse_date(fact.get("disclosed_date"))
    if not decided or not disclosed:
        return MISSING if fact.get("published") else None
    n, known = _workday_count(decided, disclosed)
    return Judgement(n <= DISCLOSURE_LIMIT_WORKDAYS, (kind, fact.get("id")), ds.is_published(kind, fact.get("id")),
                     f"决定后第{n}个工作日公示", not known)


def disclosure_timeliness(ds: Dataset, *, year: int | None = None, agency_id: str | None = None) -> Metric:
    """许可/处罚 decisions of the year online within 7 working days of the decision.

    Subject: decisions that went online (a disclosed_date), published now or since expired/withdrawn;
    decisions withheld from the start (natural persons, simple procedure …) never go online.
    """
    metric = Metric()
    for kind, facts in (("penalties", ds.penalty_facts), ("permits", ds.permit_facts)):
        for fact in select(facts, year=year, agency_id=agency_id):
            metric.record(judge_disclosure(ds, kind, fact))
    _sort(metric)
    return metric


def _case_ref(ds: Dataset, case: dict) -> tuple[tuple[str, str | None], bool]:
    """A case is listed through its published decision only; its number and name never appear."""
    decision = case.get("decision_id")
    return ("penalties", decision), bool(case.get("published")) and ds.is_published("penalties", decision)


def judge_entry(ds: Dataset, case: dict) -> Judgement | str:
    """立案 entered on the platform within ENTRY_LIMIT_WORKDAYS working days of the event?"""
    event = _event(case, "立案")
    happened = parse_date(event.get("date")) if event else None
    entered = parse_date(event.get("entered_date")) if event else None
    if not happened or not entered:
        return MISSING
    ref, listable = _case_ref(ds, case)
    n, known = _workday_count(happened, entered)
    return Judgement(n <= ENTRY_LIMIT_WORKDAYS, ref, listable, f"立案后第{n}个工作日录入", not known)


def entry_timeliness(ds: Dataset, *, year: int | None = None, agency_id: str | None = None) -> Metric:
    """立案 entered on the platform within ENTRY_LIMIT_WORKDAYS working days of the event."""
    metric = Metric()
    for case in select_cases(ds.cases, year=year, agency_id=agency_id):
        metric.record(judge_entry(ds, case))
    _sort(metric)
    return metric


def reviewed_before_decision(case: dict) -> bool | None:
    """法制审核 on or before the 决定 date (events of one day are ordered review first); None if undecided."""
    decided, reviewed = _event_date(case, "决定"), _event_date(case, "法制审核")
    if decided is None:
        return None
    return reviewed is not None and reviewed <= decided


def judge_legal_review(ds: Dataset, case: dict) -> Judgement | None:
    """A decided major case reviewed before its decision? Subject: cases marked major."""
    if case.get("major") is not True:
        return None
    ref, listable = _case_ref(ds, case)
    detail = "法制审核晚于决定" if _event_date(case, "法制审核") else "无法制审核记录"
    return Judgement(bool(reviewed_before_decision(case)), ref, listable, detail)


def legal_review_coverage(ds: Dataset, *, year: int | None = None, agency_id: str | None = None) -> Metric:
    """Decided major cases (by decision year) with legal review before the decision."""
    metric = Metric()
    for case in select_cases(ds.cases, year=year, agency_id=agency_id, stage="决定"):
        metric.record(judge_legal_review(ds, case))
    _sort(metric)
    return metric


def judge_deadline(ds: Dataset, case: dict) -> Judgement | None:
    """An ordinary-procedure case decided within 90 days of 立案? Subject: decided ordinary cases."""
    days = days_to_decision(case)
    if not _ordinary(case) or days is None:
        return None
    ref, listable = _case_ref(ds, case)
    return Judgement(days <= DECISION_LIMIT_DAYS, ref, listable, f"立案后第{days}日作出决定")


def decision_deadline(ds: Dataset, *, year: int | None = None, agency_id: str | None = None) -> Metric:
    """Ordinary-procedure cases decided (in `year`) within 90 days of 立案."""
    # asked twice per (dataset, year): for the accountability table and the annual report
    memo = _MEMO
    if memo is None:
        return _decision_deadline(ds, year, agency_id)
    key = ("overdue", id(ds), year, agency_id)
    hit = memo.get(key)
    if hit is None or hit[0] is not ds:
        hit = memo[key] = (ds, _decision_deadline(ds, year, agency_id))
    return hit[1]


def _decision_deadline(ds: Dataset, year: int | None, agency_id: str | None) -> Metric:
    metric = Metric()
    for case in select_cases(ds.cases, year=year, agency_id=agency_id, stage="决定"):
        metric.record(judge_deadline(ds, case))
    _sort(metric)
    return metric


def judge_withdrawal(ds: Dataset, fact: dict) -> Judgement | str | None:
    """A withdrawn decision taken down within 3 working days? Subject: withdrawn decisions,
    listed through their withdrawal notice (the facts item's notice_id) while it is published."""
    if fact.get("status") not in WITHDRAWN_STATUSES:
        return None
    changed, removed = parse_date(fact.get("status_date")), parse_date(fact.get("withdrawn_published_date"))
    if not changed or not removed:
        return MISSING
    n, known = _workday_count(changed, removed)
    notice = fact.get("notice_id")
    return Judgement(n <= WITHDRAWAL_LIMIT_WORKDAYS, ("withdrawals", notice),
                     ds.is_published("withdrawals", notice), f"{fact['status']}后第{n}个工作日撤下", not known)


def withdrawal_timeliness(ds: Dataset, *, year: int | None = None, agency_id: str | None = None) -> Metric:
    """Withdrawn decisions (by the year of the 变更/撤销) taken down within 3 working days, listed
    through their published withdrawal notice (judge_withdrawal)."""
    metric = Metric()
    for facts in (ds.penalty_facts, ds.permit_facts):
        for fact in select(facts, year=year, agency_id=agency_id, date_key="status_date"):
            metric.record(judge_withdrawal(ds, fact))
    _sort(metric)
    return metric


def _sort(metric: Metric) -> None:
    metric.failures.sort()


# slug -> (title, function); the slug names the listing page accountability/<agency>/<year>/<slug>/
ACCOUNTABILITY_METRICS = {
    "late-disclosure": ("7个工作日内公示", disclosure_timeliness),
    "late-entry": ("立案及时录入", entry_timeliness),
    "no-legal-review": ("重大执法决定法制审核", legal_review_coverage),
    "overdue": ("90日内作出决定", decision_deadline),
    "late-withdrawal": ("3个工作日内撤下", withdrawal_timeliness),
}


def accountability(ds: Dataset, *, year: int | None = None, agency_id: str | None = None) -> dict[str, Metric]:
    return {slug: fn(ds, year=year, agency_id=agency_id) for slug, (_, fn) in ACCOUNTABILITY_METRICS.items()}


# ---------------------------------------------------------------------------------------------
# One year's report


@dataclass
class YearFigures:
    year: int
    actions: dict[str, int]
    penalty_kinds: dict[str, int]
    fine_bands: dict[str, int]
    stages: dict[str, int]
    durations: Durations
    overdue_decided: Metric
    overdue_pending: int
    supervision: dict | None


def year_figures(ds: Dataset, year: int, agency_id: str | None = None) -> YearFigures:
    penalties = select(ds.penalty_facts, year=year, agency_id=agency_id)
    decided = select_cases(ds.cases, year=year, agency_id=agency_id, stage="决定")
    filed = select_cases(ds.cases, year=year, agency_id=agency_id)
    return YearFigures(
        year=year,
        actions=actions_by_type(ds, year=year, agency_id=agency_id),
        penalty_kinds=penalties_by_kind(penalties),
        fine_bands=penalties_by_fine_band(penalties),
        stages=cases_by_stage(filed),
        durations=decision_durations(decided),
        overdue_decided=decision_deadline(ds, year=year, agency_id=agency_id),
        overdue_pending=len(pending_overdue(filed, ds.as_of)),
        supervision=supervision_for(ds.supervision, year) if agency_id is None else None,
    )
