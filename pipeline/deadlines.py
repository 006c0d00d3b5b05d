"""Case progress for the lookup (issue 10, domain §6): stages, the decision deadline, the party's
rights and their deadlines as of the build date.

Time limits (行政处罚法 2021 unless noted):
- decision within 90 days of 立案 (第60条; calendar days, the day of 立案 not counted);
- 听证 request within 5 days after 告知 (第64条) — "五日" means working days (第85条);
- 陈述、申辩: the law sets no number; the notice usually grants the same 5 working days
  (e.g. 市场监督管理行政处罚程序规定), so the page says "以告知书载明的期限为准";
- 行政复议 within 60 days (行政复议法 2023 第20条), 行政诉讼 within 6 months (行政诉讼法 第46条),
  counted from the day the decision is known (送达, else 决定); a period ending on a non-working day
  ends on the next working day (民事诉讼法 期间 rules, applied through 行政复议法/行政诉讼法).
Working days come from pipeline.workdays; beyond the known holiday calendar they are Mon–Fri and the
texts say so instead of pretending.
"""

from __future__ import annotations

import calendar
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import yaml

from . import workdays

PUTONG = "普通程序"
JIANYI = "简易程序"
DONE, CURRENT, UPCOMING, MISSING = "done", "current", "upcoming", "missing"
STATE_LABELS = {DONE: "已完成", CURRENT: "进行中", UPCOMING: "未开始", MISSING: "未记录"}

# Stage lists come from the standard procedures (pipeline/reference/procedures.yaml), so the
# lookup and the procedure pages cannot drift apart.
PROCEDURES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference", "procedures.yaml")
PROCEDURE_IDS = {PUTONG: "chufa-putong", JIANYI: "chufa-jianyi"}
REVIEW = "法制审核"  # optional in general, required for major decisions (第58条)


@lru_cache(maxsize=None)
def standard_steps(procedure: str) -> tuple[tuple[str, bool], ...]:
    """((stage, optional), ...) of the standard procedure for 普通程序 / 简易程序."""
    with open(PROCEDURES_FILE, encoding="utf-8") as fh:
        procedures = {p["id"]: p for p in yaml.safe_load(fh)["procedures"]}
    steps = procedures[PROCEDURE_IDS.get(procedure, PROCEDURE_IDS[PUTONG])]["steps"]
    return tuple((s["stage"], bool(s.get("optional"))) for s in steps if s.get("stage"))


DECISION_DAYS = 90
HEARING_WORKDAYS = 5
STATEMENT_WORKDAYS = 5
RECONSIDERATION_DAYS = 60
LITIGATION_MONTHS = 6

NEXT_STEP = {
    "案源登记": "执法机关正在核查案源，决定是否立案。",
    "立案": "执法机关正在办理立案。",
    "调查取证": "执法机关正在调查取证。执法人员不少于两人并应出示执法证件，您可以配合调查、提供证据。",
    "告知": "执法机关将告知拟作出的处罚内容及事实、理由、依据，并告知您陈述、申辩和要求听证的权利。",
    "听证": "听证程序进行中：执法机关应在听证七日前通知听证的时间、地点。",
    "法制审核": "案件正在进行法制审核，审核通过前不得作出决定。",
    "集体讨论": "案件将由执法机关负责人集体讨论决定。",
    "决定": "执法机关将作出处理决定。",
    "送达": "处罚决定书应当场交付；当事人不在场的，应在七个工作日内送达。",
    "执行": "请在收到处罚决定书之日起十五日内缴纳罚款或履行决定。",
    "结案": "执法机关正在办理结案。",
}


@dataclass
class Stage:
    name: str
    state: str
    date: str | None = None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class Deadline:
    """One time limit: `due` is the last day; days_left < 0 means that many days past it."""
    name: str
    basis: str
    due: date
    days_left: int
    working_days: bool = False
    calendar_known: bool = True
    met_on: date | None = None  # the act happened on this date (then days_left is not shown)
    party: bool = False  # the party's own right: past the due date it has lapsed, not overdue

    @property
    def status(self) -> str:
        if self.met_on is not None:  # the date itself is shown with the stage
            late = (self.met_on - self.due).days
            return f"超过期限{late}天完成" if late > 0 else "在期限内完成"
        if self.days_left > 0:
            return f"剩余{self.days_left}天"
        if self.days_left == 0:
            return "今天截止"
        if self.party:
            return "已届满"
        return f"已超过期限{-self.days_left}天"


@dataclass
class Progress:
    procedure: str
    as_of: date
    stages: list[Stage]
    decision: Deadline | None
    review_applicable: bool
    review_date: str | None
    next_step: str
    rights: list[Deadline] = field(default_factory=list)
    unknown_years: list[int] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        return [CALENDAR_NOTE.format(year=y) for y in self.unknown_years]

    @property
    def closed(self) -> bool:
        return all(s.state in (DONE, MISSING) for s in self.stages)


def parse(value) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def add_months(d: date, months: int) -> date:
    """Same day `months` later; the month's last day when that day does not exist."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def roll_to_workday(d: date) -> date:
    while not workdays.is_workday(d):
        d += timedelta(days=1)
    return d


def first_dates(events: list[dict]) -> dict[str, str]:
    """Stage name -> date of its first event."""
    seen: dict[str, str] = {}
    for ev in sorted(events or [], key=lambda e: str(e.get("date") or "")):
        if ev.get("stage") and ev.get("date") and ev["stage"] not in seen:
            seen[ev["stage"]] = str(ev["date"])[:10]
    return seen


def stage_names(procedure: str, major: bool, happened: dict[str, str]) -> list[str]:
    """Required stages, plus optional ones that happened (and 法制审核 for major decisions)."""
    return [stage for stage, optional in standard_steps(procedure)
            if not optional or stage in happened or (stage == REVIEW and major)]


def stages_for(names: list[str], happened: dict[str, str]) -> list[Stage]:
    """Done = has an event; a skipped stage before a done one is 'missing'; then current, upcoming."""
    last_done = max((i for i, n in enumerate(names) if n in happened), default=-1)
    stages = []
    for i, name in enumerate(names):
        if name in happened:
            stages.append(Stage(name, DONE, happened[name]))
        elif i < last_done:
            stages.append(Stage(name, MISSING))
        elif i == last_done + 1:
            stages.append(Stage(name, CURRENT))
        else:
            stages.append(Stage(name, UPCOMING))
    return stages


def workday_deadline(name: str, basis: str, start: date, n: int, as_of: date) -> Deadline:
    due = workdays.add_workdays(start, n)
    return Deadline(name, basis, due, (due - as_of).days, working_days=True, party=True,
                    calendar_known=workdays.calendar_known_between(start, due))


def decision_deadline(filed: date | None, decided: date | None, as_of: date) -> Deadline | None:
    if filed is None:
        return None
    due = filed + timedelta(days=DECISION_DAYS)
    return Deadline("作出处罚决定", "《行政处罚法》第六十条：自立案之日起九十日内", due,
                    (due - as_of).days, met_on=decided)


def party_rights(happened: dict[str, str], as_of: date) -> list[Deadline]:
    """The rights the party can use now: after 告知 until 决定; after 决定 the remedies."""
    rights = []
    notified, decided = parse(happened.get("告知")), parse(happened.get("决定"))
    if notified and not decided:
        rights.append(workday_deadline(
            "陈述、申辩", "以告知书载明的期限为准，通常为告知后五个工作日内", notified,
            STATEMENT_WORKDAYS, as_of))
        if "听证" not in happened:
            rights.append(workday_deadline(
                "要求听证", "《行政处罚法》第六十四条：告知后五个工作日内提出（适用听证的处罚）",
                notified, HEARING_WORKDAYS, as_of))
    if decided:
        known = parse(happened.get("送达")) or decided
        for name, basis, raw in (
            ("申请行政复议", "《行政复议法》第二十条：自知道该行政行为之日起六十日内",
             known + timedelta(days=RECONSIDERATION_DAYS)),
            ("提起行政诉讼", "《行政诉讼法》第四十六条：自知道作出行政行为之日起六个月内",
             add_months(known, LITIGATION_MONTHS))):
            due = roll_to_workday(raw)
            rights.append(Deadline(name, basis, due, (due - as_of).days, party=True,
                                   calendar_known=workdays.calendar_known_between(raw, due)))
    return rights


CALENDAR_NOTE = "{year}年法定节假日安排尚未公布，{year}年的工作日暂按周一至周五计算，实际截止日可能顺延。"
CLOSED = "本案已办结。"


def unknown_years(deadlines: list[Deadline]) -> list[int]:
    """Years whose holiday schedule a shown deadline depends on but nobody has published yet."""
    return sorted({d.due.year for d in deadlines if not d.calendar_known})


def next_step(stages: list[Stage]) -> str:
    current = next((s for s in stages if s.state == CURRENT), None)
    if current is None:
        return CLOSED
    return NEXT_STEP.get(current.name, f"下一环节：{current.name}。")


def case_progress(case: dict, as_of: date) -> Progress:
    """Progress of one content/cases record (docs/content-contract.md) as of the build date."""
    procedure = case.get("procedure") or PUTONG
    happened = first_dates(case.get("events") or [])
    major = bool(case.get("major"))
    stages = stages_for(stage_names(procedure, major, happened), happened)
    filed = parse(case.get("filed_date")) or parse(happened.get("立案"))
    decision = (decision_deadline(filed, parse(happened.get("决定")), as_of)
                if procedure != JIANYI else None)
    rights = party_rights(happened, as_of)
    return Progress(
        procedure=procedure, as_of=as_of, stages=stages, decision=decision,
        review_applicable=major, review_date=happened.get("法制审核"),
        next_step=next_step(stages), rights=rights,
        unknown_years=unknown_years(rights + ([decision] if decision else [])))
