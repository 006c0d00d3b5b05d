"""Demo cases (执法案件), their timelines (办案环节) and the penalty decisions (行政处罚) they end in.

A case is drawn first (body, penalty matter, party, procedure, dates); its timeline is laid out
inside [立案, 决定] so that most decisions meet the 90-day limit of 行政处罚法 第六十条 and a few
do not; events after the as-of date are not in the export yet (pending cases). A decided case with
a penalty outcome yields one row of the 双公示 penalty layout.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from pipeline import demo_people as people
from pipeline import demo_pools as pools
from pipeline.demo_matters import Matter, MatterBook, wan
from pipeline.workdays import add_workdays

AS_OF = date(2026, 11, 20)
# Cases per year grow as the platform was adopted; recent years dominate, so a fair share of the
# penalties is still inside its publication window on the demo as-of date.
YEARS = {2017: 3, 2018: 4, 2019: 5, 2020: 6, 2021: 7, 2022: 9, 2023: 11, 2024: 14, 2025: 19, 2026: 17}
SPRING_FESTIVAL_DECISION = date(2026, 2, 13)
ORG_WORDS = ("单位", "企业", "公司", "机构", "经营者", "生产者", "销售者", "平台", "场所")  # not a natural person's act   # the Friday before the 2026 Spring Festival break


def shift_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:   # 29 February
        return d.replace(year=d.year + years, day=28)


def random_date(rng: random.Random, year: int, last: date = AS_OF) -> date:
    start = date(year, 1, 1)
    end = min(date(year, 12, 31), last)
    return start + timedelta(days=rng.randrange((end - start).days + 1))


@dataclass
class Event:
    stage: str
    date: date
    note: str
    mode: str
    entered: date


@dataclass
class Case:
    query_code: str
    name: str
    body: pools.Body
    matter: Matter
    procedure: str
    party: people.Party
    filed: date
    major: bool
    town: str = ""
    aside: str = ""             # extra personal data a case handler typed into 违法事实
    events: list[Event] = field(default_factory=list)
    case_no: str = ""           # numbered once all cases exist (see number_cases)
    decision_no: str = ""
    penalty: dict | None = None


class Numbering:
    """Per body, document kind and year: 胶市监立〔2025〕1号, 2号 …"""

    def __init__(self):
        self._next: dict[tuple, int] = {}

    def next(self, body: pools.Body, kind: str, year: int) -> str:
        key = (body.abbr, kind, year)
        self._next[key] = self._next.get(key, 0) + 1
        return f"{body.abbr}{kind}〔{year}〕{self._next[key]}号"


class CaseFactory:
    def __init__(self, book: MatterBook, officers: dict[str, list[tuple[str, str]]], rng: random.Random):
        self.book, self.officers, self.rng = book, officers, rng
        self._personal: dict[str, list[Matter]] = {}
        self.bodies = [b for b in pools.BODIES if book.penalty_matters(b)]
        self.weights = [b.officers for b in self.bodies]

    # -- drawing -------------------------------------------------------------------------------
    def make(self, *, body: pools.Body | None = None, filed: date | None = None, procedure: str | None = None,
             party_kind: str | None = None, major: bool | None = None, decision: date | None = None,
             disclosed_after: int | None = None, end_date: date | None = None, stalled: bool = False) -> Case:
        rng = self.rng
        body = body or rng.choices(self.bodies, self.weights)[0]
        if filed is None:
            year = rng.choices(list(YEARS), list(YEARS.values()))[0]
            filed = random_date(rng, year)
        procedure = procedure or ("简易程序" if rng.random() < 0.15 else "普通程序")
        party = self._party(body, party_kind, procedure)
        matter = rng.choice(self._matters_for(body, party))
        if major is None:
            major = procedure == "普通程序" and rng.random() < 0.12
        code = people.query_code(rng) if rng.random() < 0.5 else ""
        case = Case(code, f"{party.name}{matter.behaviour.text}案", body, matter, procedure, party, filed, major,
                    town=rng.choice(pools.TOWNS), aside=self._aside(party))
        outcome = "penalty" if procedure == "简易程序" or rng.random() < 0.93 else "none"
        if procedure == "简易程序":
            self._simple_timeline(case)
        else:
            self._normal_timeline(case, decision, outcome, stalled)
        decided = next((e.date for e in case.events if e.stage == "决定"), None)
        if decided and outcome == "penalty":
            case.penalty = self._penalty(case, decided, disclosed_after, end_date)
        return case

    def _matters_for(self, body: pools.Body, party: people.Party) -> list[Matter]:
        """Penalty matters of the body; for a natural person only behaviours a person can commit."""
        matters = self.book.penalty_matters(body)
        if not party.is_person:
            return matters
        key = body.name
        if key not in self._personal:
            self._personal[key] = [m for m in matters if not any(w in m.behaviour.text for w in ORG_WORDS)] or matters
        return self._personal[key]

    def _aside(self, party: people.Party) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.08:
            return f"本案系举报人{people.person_name(rng)}（联系电话{people.mobile(rng)}）举报。"
        who = "当事人" if party.is_person else f"负责人{party.legal_rep}"
        if roll < (0.25 if party.is_person else 0.11):
            return f"{who}通过个人银行卡{people.bank_card(rng)}收取违法所得。"
        if roll < (0.32 if party.is_person else 0.13):
            return f"{who}持有旧版身份证（号码{people.legacy_id_number(rng)}）。"
        return ""

    def _party(self, body: pools.Body, kind: str | None, procedure: str) -> people.Party:
        rng = self.rng
        if kind == "自然人":
            return people.natural_person(rng)
        if kind == "个体工商户":
            return people.sole_trader(rng)
        if kind == "法人及非法人组织":
            return people.company(rng, body.industry)
        share = 0.35 if procedure == "简易程序" else 0.12
        return people.party(rng, body.industry, person_share=share)

    # -- timelines -----------------------------------------------------------------------------
    def _event(self, case: Case, stage: str, when: date, note: str, late_entry: float = 0.08) -> None:
        if when > AS_OF:
            return
        rng = self.rng
        roll = rng.random()
        lag = 0 if roll > 0.3 else rng.randint(1, 3) if roll > late_entry else rng.randint(5, 40)
        mode = "音像" if stage in ("调查取证", "听证", "送达") and rng.random() < 0.5 else "文字"
        case.events.append(Event(stage, when, note, mode, min(when + timedelta(days=lag), AS_OF)))

    def _normal_timeline(self, case: Case, decision: date | None, outcome: str, stalled: bool) -> None:
        rng, filed = self.rng, case.filed
        overdue = rng.random() < 0.05
        if decision is None:
            decision = filed + timedelta(days=rng.randint(91, 160) if overdue else rng.randint(18, 88))
        span = (decision - filed).days

        def at(share: float) -> date:
            return filed + timedelta(days=max(1, int(span * share)))

        self._event(case, "案源登记", filed - timedelta(days=rng.randint(0, 10)), self._source_note())
        self._event(case, "立案", filed, "经负责人批准立案", late_entry=0.12)
        a, b = self._two_officers(case.body)
        note = f"执法人员{a}、{b}出示执法证件，现场检查并制作笔录"
        if case.party.is_person and rng.random() < 0.5:
            note += f"；询问当事人{case.party.name}（身份证号码{case.party.id_number}）"
        self._event(case, "调查取证", at(rng.uniform(0.05, 0.3)), note)
        self._event(case, "告知", at(rng.uniform(0.45, 0.65)), "送达行政处罚事先告知书，告知陈述、申辩、听证权利")
        if stalled:
            return
        if case.major and rng.random() < 0.4:
            self._event(case, "听证", at(rng.uniform(0.7, 0.8)), "当事人申请听证，依法公开举行听证")
        review = rng.random()
        if case.major and review < 0.78 or not case.major and review < 0.03:
            self._event(case, "法制审核", at(rng.uniform(0.82, 0.9)), "法制审核机构出具审核意见：同意")
        elif case.major and review < 0.85:   # reviewed only after the decision: counts as missing
            self._event(case, "法制审核", decision + timedelta(days=rng.randint(1, 5)), "补充法制审核")
        if case.major and rng.random() < 0.7:
            self._event(case, "集体讨论", at(rng.uniform(0.92, 0.97)), "负责人集体讨论决定")
        self._event(case, "决定", decision, "作出行政处罚决定" if outcome == "penalty" else "决定不予行政处罚")
        served = add_workdays(decision, rng.randint(8, 15) if rng.random() < 0.03 else rng.choice((0, 0, 1, 2, 3, 5, 7)))
        self._event(case, "送达", served, self._service_note(case))
        closing = served
        if outcome == "penalty":
            closing = served + timedelta(days=rng.randint(1, 15))
            self._event(case, "执行", closing, "当事人已缴纳罚款，履行完毕")
        self._event(case, "结案", closing + timedelta(days=rng.randint(1, 20)), "执行完毕，结案归档")

    def _simple_timeline(self, case: Case) -> None:
        rng, day = self.rng, case.filed
        self._event(case, "告知", day, "当场告知违法事实、处罚理由和依据及陈述、申辩权利")
        self._event(case, "决定", day, "当场作出行政处罚决定")
        self._event(case, "送达", day, "决定书当场交付当事人")
        paid = day + timedelta(days=rng.randint(0, 15))
        self._event(case, "执行", paid, "当事人已缴纳罚款")
        self._event(case, "结案", paid + timedelta(days=rng.randint(0, 5)), "结案归档")

    def _two_officers(self, body: pools.Body) -> tuple[str, str]:
        a, b = self.rng.sample(self.officers[body.name], 2)
        return a[0], b[0]

    def _source_note(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            return f"接群众举报（举报人{people.person_name(rng)}，联系电话{people.mobile(rng)}）"
        return rng.choice(("日常检查中发现", "“双随机、一公开”抽查发现", "12345热线转办", "上级部门交办",
                           "其他部门移送"))

    def _service_note(self, case: Case) -> str:
        rng = self.rng
        if rng.random() < 0.1:
            return f"由{case.party.legal_rep}签收，联系电话{case.party.phone}"
        return rng.choice(("直接送达", "直接送达", "邮寄送达", "电子送达（当事人签署确认书）"))

    # -- penalty decision ----------------------------------------------------------------------
    def _fine(self, case: Case) -> int:
        rng, b = self.rng, case.matter.behaviour
        person = case.party.is_person
        if case.procedure == "简易程序":
            return rng.choice((50, 100, 200) if person else (200, 500, 1000, 2000, 3000))
        low, high = (b.fine_min, b.fine_max) if b.fine_min else ((200, 5000) if person else (2000, 50000))
        value = low + (high - low) * rng.random() ** 3
        step = 100 if value < 10_000 else 1000 if value < 200_000 else 10_000
        return int(max(low, min(high, round(value / step) * step)))

    def _kinds(self, case: Case) -> list[str]:
        rng, b = self.rng, case.matter.behaviour
        if case.procedure == "简易程序":
            return ["警告"] if rng.random() < 0.3 else ["罚款"]
        if b.warning and rng.random() < 0.08:
            return ["警告"]
        kinds = ["警告"] if b.warning and rng.random() < 0.2 else []
        kinds.append("罚款")
        if b.confiscation and rng.random() < 0.35:
            kinds.append("没收违法所得")
        if b.revocation and rng.random() < 0.05:
            kinds.append("吊销许可证件")
        return kinds

    def _penalty(self, case: Case, decided: date, disclosed_after: int | None, end_date: date | None) -> dict:
        rng = self.rng
        kinds = self._kinds(case)
        fine = self._fine(case) if "罚款" in kinds else 0
        confiscated = rng.choice((800, 1500, 3200, 12000, 56000)) if "没收违法所得" in kinds else 0
        if case.procedure == "简易程序":
            severity = "轻微"
        elif fine >= 100_000 or "吊销许可证件" in kinds or case.major:
            severity = "严重" if rng.random() < 0.6 else "一般"
        else:
            severity = rng.choices(("一般", "轻微", ""), (75, 10, 15))[0]
        if disclosed_after is None:
            disclosed_after = rng.randint(1, 7) if rng.random() < 0.88 else rng.randint(8, 30)
        disclosed = add_workdays(decided, disclosed_after)
        if end_date is None and rng.random() < 0.35:
            end_date = shift_years(decided, 3 if severity == "严重" else 1)
        status, status_date, reason, notice = "公示中", None, "", None
        roll = rng.random()
        if roll < 0.04:
            status = rng.choices(list(pools.WITHDRAW_REASONS), (60, 25, 10, 5))[0]
            reason = rng.choice(pools.WITHDRAW_REASONS[status])
            status_date = decided + timedelta(days=rng.randint(30, 200))
            notice = add_workdays(status_date, rng.randint(1, 3) if rng.random() < 0.8 else rng.randint(4, 9))
        elif roll < 0.08 and severity in ("一般", "严重", ""):
            status, status_date = "已信用修复", decided + timedelta(days=rng.randint(100, 420))
        if status_date and status_date > AS_OF:
            status, status_date, reason, notice = "公示中", None, "", None
        return {"kinds": kinds, "fine": fine, "confiscated": confiscated, "severity": severity,
                "decided": decided, "disclosed": disclosed if disclosed <= AS_OF else None,
                "end_date": end_date, "status": status, "status_date": status_date, "reason": reason,
                "notice": notice if notice and notice <= AS_OF else None, "note": self._note(case)}

    def _note(self, case: Case) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.01:
            return "涉及商业秘密，依法不予公开"
        if roll < 0.04:
            return f"当事人身份证号码{people.masked_id(rng)}已核验"
        if roll < 0.06:
            return f"联系电话{people.landline(rng)}"
        return ""


def number_cases(cases: list[Case]) -> None:
    """Case and decision numbers run in date order per body and year, as a register would issue them."""
    numbering = Numbering()
    for case in sorted(cases, key=lambda c: c.filed):
        case.case_no = numbering.next(case.body, "简立" if case.procedure == "简易程序" else "立", case.filed.year)
    decided = sorted((c for c in cases if c.penalty), key=lambda c: (c.penalty["decided"], c.case_no))
    for case in decided:
        kind = "简罚" if case.procedure == "简易程序" else "罚"
        case.decision_no = numbering.next(case.body, kind, case.penalty["decided"].year)


def facts_text(case: Case) -> str:
    """违法事实 as a case handler writes it, with the personal data a real export carries."""
    p, pen = case.party, case.penalty
    where = f"{pools.COUNTY}{case.town}"
    text = f"经查，当事人于{case.filed:%Y年%m月%d日}在{where}{case.matter.behaviour.text}，违反了{case.matter.basis}的规定。"
    if p.is_person:
        text += f"当事人{p.name}（身份证号码：{p.id_number}，联系电话：{p.phone}）对上述事实予以承认。"
    elif pen and pen["fine"] >= 50_000:
        role = "经营者" if p.kind == "个体工商户" else "法定代表人"
        text += f"{role}{p.legal_rep}（电话{p.phone}）到场接受询问。"
    return text + case.aside


def content_text(pen: dict) -> str:
    parts = []
    if "警告" in pen["kinds"]:
        parts.append("警告")
    if pen["fine"]:
        parts.append(f"罚款人民币{pen['fine']}元")
    if pen["confiscated"]:
        parts.append(f"没收违法所得人民币{pen['confiscated']}元")
    if "吊销许可证件" in pen["kinds"]:
        parts.append("吊销许可证件")
    return "；".join(f"{i}.{p}" for i, p in enumerate(parts, 1)) + "。"


PENALTY_HEADER = [
    "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "行政相对人代码_2(工商注册号)", "行政相对人代码_3(组织机构代码)",
    "法定代表人", "法定代表人证件类型", "法定代表人证件号码", "证件类型", "证件号码", "CF_WSH", "违法行为类型",
    "违法事实", "处罚依据", "处罚类别", "处罚内容", "CF_NR_FK", "没收违法所得、没收非法财物的金额(万元)",
    "暂扣或吊销证照名称及编号", "CF_JDRQ", "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码",
    "数据来源单位", "数据来源单位统一社会信用代码", "备注", "失信程度", "状态", "状态日期", "撤回理由", "程序类型",
    "公示日期", "撤回公示日期",
]
# The coded headers above mean these domain §2 fields (also written into sources.yaml `columns`).
PENALTY_CODES = {"CF_XDR_MC": "行政相对人名称", "CF_XDR_LB": "行政相对人类别",
                 "CF_XDR_SHXYM": "行政相对人代码_1(统一社会信用代码)", "CF_WSH": "行政处罚决定书文号",
                 "CF_NR_FK": "罚款金额(万元)", "CF_JDRQ": "处罚决定日期"}


def _slash(d: date | None) -> str:
    return d.strftime("%Y/%m/%d") if d else ""


def penalty_row(case: Case, agency_codes: dict[str, str]) -> list:
    p, pen, body = case.party, case.penalty, case.body
    code = agency_codes[body.name]
    organisation = not p.is_person
    license_text = "吊销许可证件（编号见决定书）" if "吊销许可证件" in pen["kinds"] else ""
    return [
        p.name, p.kind, p.credit_code, "", "",
        p.legal_rep if organisation else "", "身份证" if organisation else "", p.id_number if organisation else "",
        "" if organisation else "身份证", "" if organisation else p.id_number,
        case.decision_no, case.matter.behaviour.text, facts_text(case), case.matter.basis,
        "、".join(pen["kinds"]), content_text(pen), wan(pen["fine"]) if pen["fine"] else "",
        wan(pen["confiscated"]) if pen["confiscated"] else "", license_text,
        _slash(pen["decided"]), "", _slash(pen["end_date"]), body.name, code, body.name, code, pen["note"],
        pen["severity"], pen["status"], _slash(pen["status_date"]), pen["reason"], case.procedure,
        _slash(pen["disclosed"]), _slash(pen["notice"]),
    ]


CASE_HEADER = ["案件编号", "查询码", "案件名称", "实施主体", "事项编码", "程序类型", "当事人名称", "当事人类别",
               "当事人统一社会信用代码", "当事人证件号码", "立案日期", "是否重大执法决定", "决定书文号"]
EVENT_HEADER = ["案件编号", "环节", "日期", "说明", "记录方式", "录入日期"]


def case_row(case: Case) -> list:
    p = case.party
    return [case.case_no, case.query_code, case.name, case.body.name, case.matter.code, case.procedure, p.name,
            p.kind, p.credit_code, p.id_number if p.is_person else "",
            case.filed.isoformat() if case.filed else "", "是" if case.major else "否", case.decision_no]


def event_rows(case: Case):
    for e in sorted(case.events, key=lambda e: e.date):
        yield [case.case_no, e.stage, e.date.isoformat(), e.note, e.mode, e.entered.isoformat()]
