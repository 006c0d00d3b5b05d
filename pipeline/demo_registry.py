"""Demo rows for the registers: bodies, officers, matters, the major-decision catalogue, permits,
the credit blacklist and the supervision figures. Row generators yield lists aligned with the
headers below, so the writers can stream them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from pipeline import demo_people as people
from pipeline import demo_pools as pools
from pipeline.demo_cases import AS_OF, YEARS, Numbering, random_date, shift_years
from pipeline.demo_matters import MatterBook
from pipeline.laws import LawLibrary
from pipeline.workdays import add_workdays

AGENCY_HEADER = ["主体名称", "统一社会信用代码", "主体类别", "上级部门", "职责", "执法区域", "办公地址", "咨询电话",
                 "监督电话", "网址"]
OFFICER_HEADER = ["姓名", "执法证号", "所属主体", "执法类别", "证件有效期至"]
MATTER_HEADER = ["事项编码", "事项名称", "事项类别", "实施主体", "设定依据", "办理程序", "法定期限", "承诺期限",
                 "收费依据及标准", "救济途径", "监督电话"]
MAJOR_HEADER = ["目录编号", "实施主体", "事项名称", "事项类别", "重大情形", "事项编码", "审核机构", "审核依据"]
PERMIT_HEADER = ["行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "法定代表人",
                 "法定代表人证件类型", "法定代表人证件号码", "证件类型", "证件号码", "行政许可决定文书名称",
                 "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号", "许可内容", "许可决定日期", "有效期自",
                 "有效期至", "许可机关", "许可机关统一社会信用代码", "当前状态", "数据来源单位",
                 "数据来源单位统一社会信用代码", "备注", "状态", "状态日期", "撤回理由", "公示日期"]
SUPERVISION_HEADER = ["年度", "实时监控案件数", "抽查案卷数", "整改意见书数", "监督意见书数"]

REMEDY = "对决定不服的，可以自知道之日起六十日内向胶州市人民政府申请行政复议，或者六个月内向人民法院提起行政诉讼。"
LIMITS = {  # 事项类别 -> (法定期限, 承诺期限)
    "行政许可": ("20个工作日", "5个工作日"), "行政处罚": ("自立案之日起90日", "60日"),
    "行政强制": ("查封、扣押不超过30日", "30日"), "行政征收": ("按法定期限", "即办"),
    "行政检查": ("按检查计划", "按检查计划"),
}
# Who applies for which permit (by licence prefix, see demo_matters.PERMITS).
PERMIT_INDUSTRY = {"JY": "market", "SC": "market", "LY": "market", "YC": "market", "GG": "service",
                   "JG": "building", "XC": "building", "SG": "building", "PW": "industry", "QS": "industry",
                   "TS": "industry", "XF": "service", "YS": "farm", "CF": "farm", "DF": "farm"}
UNKNOWN_BODY = "胶州市城市管理局"   # a pre-reform name no current body has (bad reference rows)


class Agencies:
    """The fixed bodies with their credit codes and phone numbers (not scaled)."""

    def __init__(self, rng: random.Random):
        self.codes: dict[str, str] = {}
        self.phones: dict[str, tuple[str, str]] = {}
        for body in pools.BODIES:
            # 11 = 机关, 12 = 事业单位 (authorised organisations and service centres)
            prefix = "12" if body.kind == "法律法规授权组织" or body.name.endswith("中心") else "11"
            self.codes[body.name] = people.credit_code(rng, prefix)
            self.phones[body.name] = (people.landline(rng), people.landline(rng))
        self.roads = {b.name: f"{rng.choice(pools.ROADS)}{rng.randint(1, 399)}号" for b in pools.BODIES}

    def rows(self) -> Iterator[list]:
        for body in pools.BODIES:
            region = (f"{body.name.removeprefix(pools.COUNTY).removesuffix('办事处').removesuffix('人民政府')}辖区"
                      if body.kind == "受委托组织" else f"{pools.COUNTY}行政区域")
            consult, supervise = self.phones[body.name]
            yield [body.name, self.codes[body.name], body.kind, body.parent, body.duties, region,
                   f"{pools.COUNTY}{self.roads[body.name]}", consult, supervise, ""]


def make_officers(rng: random.Random) -> dict[str, list[tuple[str, str, date]]]:
    """Per body: (name, 执法证号, valid until); about 5% of certificates have expired."""
    result = {}
    for no, body in enumerate(pools.BODIES, 1):
        staff = []
        for serial in range(1, body.officers + 1):
            expired = rng.random() < 0.05
            until = (random_date(rng, 2025, AS_OF - timedelta(days=1)) if expired
                     else random_date(rng, rng.choice((2027, 2028, 2029, 2030)), date(2030, 12, 31)))
            staff.append((people.person_name(rng), f"{pools.AREA_CODE}{no:02d}{serial:04d}", until))
        result[body.name] = staff
    return result


def officer_rows(officers, agencies: Agencies, rng: random.Random) -> Iterator[list]:
    for body in pools.BODIES:
        for name, cert, until in officers[body.name]:
            # some platforms export the body's credit code instead of its name
            ref = agencies.codes[body.name] if rng.random() < 0.2 else body.name
            yield [name, cert, ref, body.category, until.isoformat()]
    # bad row: a body that no longer exists under that name
    yield [people.person_name(rng), f"{pools.AREA_CODE}990001", UNKNOWN_BODY, "城市管理", "2028-12-31"]


def matter_rows(book: MatterBook, agencies: Agencies) -> Iterator[list]:
    for m in book.matters:
        legal, promised = LIMITS.get(m.category, ("", ""))
        procedure = pools.PROCEDURE_NAMES.get(m.category, pools.OTHER_PROCEDURE)
        yield [m.code, m.name, m.category, m.body.name, m.basis, procedure, legal, promised, "不收费", REMEDY,
               agencies.phones[m.body.name][1]]


def major_rows(book: MatterBook, rng: random.Random, count: int) -> Iterator[list]:
    pool = [m for m in book.matters if m.category in pools.MAJOR_THRESHOLDS]
    combos = [(m, t) for m in pool for t in pools.MAJOR_THRESHOLDS[m.category]]
    rng.shuffle(combos)
    # spread over bodies in catalogue order: sort the chosen ones by body then matter code
    chosen = [combos[i % len(combos)] for i in range(count)]
    chosen.sort(key=lambda mt: (pools.BODIES.index(mt[0].body), mt[0].code))
    per_body: dict[str, int] = {}
    for matter, threshold in chosen:
        no = pools.BODIES.index(matter.body) + 1
        per_body[matter.body.name] = per_body.get(matter.body.name, 0) + 1
        basis = "《山东省行政执法监督条例》第十三条"
        if matter.category == "行政处罚":
            basis = "《中华人民共和国行政处罚法》第五十八条第一款；" + basis
        yield [f"ZD-{pools.AREA_CODE}{no:02d}-{per_body[matter.body.name]:05d}", matter.body.name, matter.name,
               matter.category, threshold, matter.code if rng.random() < 0.9 else "",
               f"{matter.body.name}法制审核机构", basis]


def permit_rows(book: MatterBook, agencies: Agencies, rng: random.Random, count: int,
                numbering: Numbering) -> Iterator[list]:
    issuers = [b for b in pools.BODIES if book.permit_matters(b)]
    weights = [60 if b.extra.get("行政许可") else 5 for b in issuers]
    rows = []
    for _ in range(count):
        body = rng.choices(issuers, weights)[0]
        matter = rng.choice(book.permit_matters(body))
        name, category, certificate, _law, _kw, years, prefix = matter.permit
        year = rng.choices(list(YEARS), list(YEARS.values()))[0]
        decided = random_date(rng, year)
        roll = rng.random()
        party = (people.natural_person(rng) if roll < 0.05 and prefix in ("CF", "XC")
                 else people.sole_trader(rng) if roll < 0.35 else people.company(rng, PERMIT_INDUSTRY[prefix]))
        person = party.is_person
        doc_no = numbering.next(body, "许", year)
        licence = f"{prefix}{pools.AREA_CODE}{year % 100:02d}-{len(rows) + 1:05d}"
        valid_until = shift_years(decided, years) - timedelta(days=1)
        invalid = valid_until < AS_OF or rng.random() < 0.04
        disclosed = add_workdays(decided, rng.randint(1, 7) if rng.random() < 0.9 else rng.randint(8, 20))
        status = reason = status_date = ""
        if rng.random() < 0.015:
            status, reason = "已撤销", "申请人以欺骗手段取得许可，依法撤销"
            status_date = (decided + timedelta(days=rng.randint(20, 300)))
            status_date = status_date.isoformat() if status_date <= AS_OF else ""
            status = status if status_date else ""
            reason = reason if status_date else ""
        code = agencies.codes[body.name]
        rows.append([
            party.name, party.kind, party.credit_code, "" if person else party.legal_rep, "" if person else "身份证",
            "" if person else party.id_number, "身份证" if person else "", party.id_number if person else "",
            f"准予{name}决定书", doc_no, category, certificate, licence,
            f"准予{name.removesuffix('许可')}许可，许可事项：{matter.name}", decided, decided, valid_until,
            body.name, code, "2" if invalid else "1", body.name, code, "", status, status_date, reason,
            disclosed.isoformat() if disclosed <= AS_OF else "",
        ])
    rows.sort(key=lambda r: (r[14], r[9]))
    # bad row: the same permit exported twice, identically
    rows.insert(len(rows) // 2, list(rows[len(rows) // 3]))
    return iter(rows)


BLACKLIST_AREAS = {  # 领域 -> (认定部门, law, keyword for the basis article)
    "规划建设": ("胶州市住房和城乡建设局", "建设工程质量管理条例", "罚款"),
    "土地管理": ("胶州市自然资源局", "土地管理法", "罚款"),
    "安全生产": ("胶州市应急管理局", "安全生产法", "失信"),
    "环境保护": ("青岛市生态环境局胶州分局", "环境保护法", "按日连续处罚"),
    "食品安全": ("胶州市市场监督管理局", "食品安全法", "信用"),
    "其他": ("胶州市人力资源和社会保障局", "劳动保障监察条例", "罚款"),
}


def blacklist_records(book: MatterBook, library: LawLibrary, rng: random.Random, count: int,
                      numbering: Numbering) -> Iterator[dict]:
    by_name = {b.name: b for b in pools.BODIES}
    credit_law = library.find("山东省社会信用条例")
    credit_article = next(n for n, a in credit_law.articles.items() if "严重失信" in a.text)
    records = []
    areas = list(BLACKLIST_AREAS)
    for i in range(count):
        area = areas[i % len(areas)]
        authority, law_name, keyword = BLACKLIST_AREAS[area]
        body = by_name[authority]
        law = library.find(law_name)
        article = next((n for n in law.liability_articles() if keyword in law.articles[n].text),
                       law.liability_articles()[0])
        basis = (f"《{law.title}》{law.articles[article].label}；"
                 f"《{credit_law.title}》{credit_law.articles[credit_article].label}")
        behaviours = ([m.behaviour for m in book.penalty_matters(body) if m.behaviour.law_title == law.title]
                      or [m.behaviour for m in book.penalty_matters(body)] or [None])
        behaviour = rng.choice(behaviours)
        natural = i % 53 == 7          # a few natural persons the pipeline must never list
        party = people.natural_person(rng) if natural else (
            people.sole_trader(rng) if rng.random() < 0.2 else people.company(rng, body.industry))
        listed = random_date(rng, rng.choice((2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026)))
        expires = shift_years(listed, 3)
        year = listed.year
        what = behaviour.text if behaviour else "违法行为"
        record = {
            "主体名称": party.name,
            "统一社会信用代码": party.id_number if natural else party.credit_code,
            "法定代表人": "" if natural else party.legal_rep,
            "领域": area,
            "列入事由": f"因{what}受到行政处罚，情节严重，被认定为严重失信主体",
            "认定依据": basis,
            "认定部门": authority,
            "认定文书号": numbering.next(body, "失信", year),
            "列入日期": listed.isoformat(),
            "有效期至": expires.isoformat(),
            "状态": "列入", "移出日期": "", "移出事由": "",
        }
        if natural and rng.random() < 0.5:
            record["主体类别"] = "自然人"
        roll = rng.random()
        if expires <= AS_OF and roll < 0.7:
            record.update({"状态": "移出", "移出日期": expires.isoformat(), "移出事由": "期满"})
        elif roll < 0.2:
            removed = listed + timedelta(days=rng.randint(365, 900))
            if removed <= AS_OF and removed < expires:
                reason = "信用修复" if rng.random() < 0.8 else "决定撤销"
                record.update({"状态": "移出", "移出日期": removed.isoformat(), "移出事由": reason})
        records.append(record)
    records.sort(key=lambda r: (r["列入日期"], r["认定文书号"]))
    return iter(records)


def supervision_rows(case_years: dict[int, int], rng: random.Random) -> Iterator[list]:
    for year in sorted(YEARS):
        monitored = case_years.get(year, 0)
        checked = max(1, int(monitored * rng.uniform(0.05, 0.12)))
        yield [year, monitored, checked, int(checked * rng.uniform(0.1, 0.3)), int(checked * rng.uniform(0.02, 0.1))]
