"""The input tables (domain §2): Chinese field names, English keys, required flags, value kinds.

One `Table` per export. A `Field` says how a column is recognised (its domain §2 name, the English
key it becomes, header aliases such as the national 双公示 column codes `CF_XDR_MC` …), whether it
is required, what kind of value it holds, and whether it must never be published. Never-publish
fields are dropped by the reader's caller as soon as the few checks that need them have run
(`is_minor()` on an ID number); they never reach a record that could be exported.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field as dc_field

# Value kinds understood by pipeline.normalise.
TEXT, DATE, MONEY, CREDIT, ENUM, KINDS, BOOL, INT, SECRET = (
    "text", "date", "money", "credit_code", "enum", "kinds", "bool", "int", "secret")

PARTY_KINDS = ("法人及非法人组织", "自然人", "个体工商户")
MATTER_CATEGORIES = ("行政许可", "行政处罚", "行政强制", "行政征收", "行政征用", "行政检查", "行政确认",
                     "行政给付", "行政裁决", "行政奖励", "其他行政权力")
CATEGORY_SLUGS = dict(zip(MATTER_CATEGORIES, ("xuke", "chufa", "qiangzhi", "zhengshou", "zhengyong",
                                              "jiancha", "queren", "jifu", "caijue", "jiangli", "qita")))
PENALTY_KINDS = ("警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
                 "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留", "其他")
STAGES = ("案源登记", "立案", "调查取证", "告知", "听证", "法制审核", "集体讨论", "决定", "送达", "执行", "结案")
AREAS = ("规划建设", "土地管理", "安全生产", "环境保护", "食品安全", "其他")
AREA_SLUGS = dict(zip(AREAS, ("guihua", "tudi", "anquan", "huanjing", "shipin", "qita")))
PENALTY_STATUSES = ("公示中", "已撤销", "已变更", "确认违法", "确认无效", "已信用修复")

# Spellings seen in real exports -> the domain §2 value.
SYNONYMS = {
    "party_kind": {"法人": "法人及非法人组织", "法人及其他组织": "法人及非法人组织", "非法人组织": "法人及非法人组织",
                   "法人和非法人组织": "法人及非法人组织", "其他组织": "法人及非法人组织", "个人": "自然人",
                   "个体户": "个体工商户"},
    "procedure": {"普通": "普通程序", "一般程序": "普通程序", "简易": "简易程序"},
    "current_status": {"1": "有效", "2": "无效", "0": "无效"},
    "major": {"是": True, "否": False, "1": True, "0": False, "Y": True, "N": False,
              "TRUE": True, "FALSE": False},
    "status": {"列入": "列入", "移出": "移出", "已移出": "移出"},
}


@dataclass(frozen=True)
class Field:
    name: str                      # domain §2 Chinese field name
    key: str                       # English key (docs/content-contract.md where exported)
    required: bool = False
    kind: str = TEXT
    choices: tuple[str, ...] = ()  # allowed values for ENUM / KINDS
    prefix_ok: bool = False        # `其他-…` style values allowed (choices ending in 其他)
    aliases: tuple[str, ...] = ()  # other headers meaning the same column

    @property
    def never_publish(self) -> bool:
        return self.kind == SECRET


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    fields: tuple[Field, ...]
    key_fields: tuple[str, ...] = ()   # English keys identifying one record (duplicates)
    headers: dict = dc_field(default_factory=dict, compare=False)

    def __post_init__(self):
        for f in self.fields:
            for header in (f.name, *f.aliases):
                self.headers[normalise_header(header)] = f

    def field_for(self, header: str) -> Field | None:
        return self.headers.get(normalise_header(header))

    def field_named_key(self, key: str) -> str:
        """Chinese name of the field with this English key (for messages)."""
        return next(f.name for f in self.fields if f.key == key)

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]


def normalise_header(header: str) -> str:
    """NFKC (full-width brackets), no spaces or BOM, upper case (for `cf_xdr_mc`)."""
    text = unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "")
    return "".join(text.split()).upper()


F = Field
R = True  # readability: F("主体名称", "name", R)

def _party_fields(p: str) -> tuple[Field, ...]:
    """The 双公示 party block shared by penalties (p='CF') and permits (p='XK')."""
    return (
        F("行政相对人名称", "party_name", R, aliases=(f"{p}_XDR_MC",)),
        F("行政相对人类别", "party_kind", R, ENUM, PARTY_KINDS, aliases=(f"{p}_XDR_LB",)),
        F("行政相对人代码_1(统一社会信用代码)", "party_credit_code", kind=CREDIT,
          aliases=(f"{p}_XDR_SHXYM", "行政相对人代码_1", "统一社会信用代码")),
        F("行政相对人代码_2(工商注册号)", "code_2", aliases=(f"{p}_XDR_GSZC", "行政相对人代码_2")),
        F("行政相对人代码_3(组织机构代码)", "code_3", aliases=(f"{p}_XDR_ZZJG", "行政相对人代码_3")),
        F("行政相对人代码_4(税务登记号)", "code_4", aliases=(f"{p}_XDR_SWDJ", "行政相对人代码_4")),
        F("行政相对人代码_5(事业单位证书号)", "code_5", aliases=(f"{p}_XDR_SYDW", "行政相对人代码_5")),
        F("行政相对人代码_6(社会组织登记证号)", "code_6", aliases=(f"{p}_XDR_SHZZ", "行政相对人代码_6")),
        F("法定代表人", "legal_rep", aliases=(f"{p}_FRDB",)),
        F("法定代表人证件类型", "legal_rep_id_type", aliases=(f"{p}_FR_ZJLX",)),
        F("法定代表人证件号码", "legal_rep_id_number", kind=SECRET, aliases=(f"{p}_FR_ZJHM",)),
        F("证件类型", "id_type", aliases=(f"{p}_XDR_ZJLX",)),
        F("证件号码", "id_number", kind=SECRET, aliases=(f"{p}_XDR_ZJHM", "身份证号码", "身份证号")),
    )


TABLES: dict[str, Table] = {t.name: t for t in (
    Table("agencies", "执法主体", (
        F("主体名称", "name", R, aliases=("执法主体名称", "单位名称", "执法主体")),
        F("统一社会信用代码", "credit_code", R, CREDIT, aliases=("信用代码",)),
        F("主体类别", "kind", R, ENUM, ("法定行政机关", "法律法规授权组织", "受委托组织"), aliases=("主体性质",)),
        F("上级部门", "parent"), F("职责", "duties", aliases=("主要职责",)), F("执法区域", "region"),
        F("办公地址", "address", aliases=("地址",)), F("咨询电话", "phone_consult"),
        F("监督电话", "phone_supervise", aliases=("投诉电话",)), F("网址", "website", aliases=("网站",)),
    ), ("credit_code",)),
    Table("officers", "执法人员", (
        F("姓名", "name", R, aliases=("执法人员姓名",)),
        F("执法证号", "cert_no", R, aliases=("执法证件号", "执法证件号码")),
        F("所属主体", "agency", R, aliases=("所属执法主体", "执法主体", "所属单位")),
        F("执法类别", "category", aliases=("执法门类",)),
        F("证件有效期至", "valid_until", kind=DATE, aliases=("有效期至",)),
    ), ("cert_no",)),
    Table("matters", "执法事项", (
        F("事项编码", "code", R, aliases=("权力编码", "事项代码")),
        F("事项名称", "name", R, aliases=("权力名称",)),
        F("事项类别", "category", R, ENUM, MATTER_CATEGORIES, aliases=("权力类型", "职权类别")),
        F("实施主体", "agency", R, aliases=("执法主体",)),
        F("设定依据", "basis_text", R, aliases=("法律依据", "依据")),
        F("办理程序", "procedure", R, aliases=("程序",)),
        F("法定期限", "time_limit_legal", aliases=("法定办结时限",)),
        F("承诺期限", "time_limit_promised", aliases=("承诺办结时限",)),
        F("收费依据及标准", "fee", aliases=("收费标准",)), F("救济途径", "remedy"),
        F("监督电话", "phone_supervise"),
    ), ("code",)),
    Table("major_decisions", "重大执法决定法制审核目录", (
        F("目录编号", "number", R), F("实施主体", "agency", R), F("事项名称", "name", R),
        F("事项类别", "category", R, ENUM, MATTER_CATEGORIES), F("重大情形", "threshold", R),
        F("事项编码", "matter_code"), F("审核机构", "review_office"), F("审核依据", "review_basis"),
    ), ("number",)),
    Table("cases", "执法案件", (
        F("案件编号", "case_no", R, aliases=("案号",)), F("查询码", "query_code"),
        F("案件名称", "name", R), F("实施主体", "agency", R, aliases=("执法主体",)),
        F("事项编码", "matter_code"),
        F("程序类型", "procedure", R, ENUM, ("普通程序", "简易程序")),
        F("当事人名称", "party_name", R), F("当事人类别", "party_kind", R, ENUM, PARTY_KINDS),
        F("当事人统一社会信用代码", "party_credit_code", kind=CREDIT),
        F("当事人证件号码", "id_number", kind=SECRET, aliases=("证件号码",)),
        F("立案日期", "filed_date", R, DATE), F("是否重大执法决定", "major", kind=BOOL),
        F("决定书文号", "decision_no", aliases=("行政处罚决定书文号",)),
    ), ("case_no",)),
    Table("case_events", "办案环节", (
        F("案件编号", "case_no", R, aliases=("案号",)), F("环节", "stage", R, ENUM, STAGES),
        F("日期", "date", R, DATE, aliases=("环节日期", "办理日期")), F("说明", "note"),
        F("记录方式", "record_mode", kind=ENUM, choices=("文字", "音像")),
        F("录入日期", "entered_date", kind=DATE, aliases=("登记日期",)),  # portal extension
    ), ("case_no", "stage", "date")),
    Table("penalties", "行政处罚", _party_fields("CF") + (
        F("行政处罚决定书文号", "decision_no", R, aliases=("CF_WSH", "决定书文号")),
        F("违法行为类型", "violation_type", R, aliases=("CF_WFXW",)),
        F("违法事实", "facts", R, aliases=("CF_SY",)),
        F("处罚依据", "basis_text", R, aliases=("CF_YJ",)),
        F("处罚类别", "kinds", R, KINDS, PENALTY_KINDS, aliases=("CF_CFLB",)),
        F("处罚内容", "content", R, aliases=("CF_NR",)),
        F("罚款金额(万元)", "fine", kind=MONEY, aliases=("CF_NR_FK", "罚款金额")),
        F("没收违法所得、没收非法财物的金额(万元)", "confiscation", kind=MONEY, aliases=("CF_NR_WFFF",)),
        F("暂扣或吊销证照名称及编号", "license_affected", aliases=("CF_NR_ZKDX",)),
        F("处罚决定日期", "decision_date", R, DATE, aliases=("CF_JDRQ",)),
        F("处罚有效期", "valid_until", kind=DATE, aliases=("CF_YXQ",)),
        F("公示截止期", "end_date", kind=DATE, aliases=("CF_GSJZQ",)),
        F("处罚机关", "agency_name", R, aliases=("CF_CFJG",)),
        F("处罚机关统一社会信用代码", "agency_credit_code", R, CREDIT, aliases=("CF_CFJGDM",)),
        F("数据来源单位", "source_unit", aliases=("CF_SJLY",)),
        F("数据来源单位统一社会信用代码", "source_unit_code", kind=CREDIT, aliases=("CF_SJLYDM",)),
        F("备注", "note", aliases=("BZ",)),
        # portal extensions (domain §2)
        F("失信程度", "severity", kind=ENUM, choices=("轻微", "一般", "严重")),
        F("状态", "status", kind=ENUM, choices=PENALTY_STATUSES),
        F("状态日期", "status_date", kind=DATE), F("撤回理由", "withdraw_reason"),
        F("程序类型", "procedure", kind=ENUM, choices=("普通程序", "简易程序")),
        F("公示日期", "disclosed_date", kind=DATE, aliases=("上网日期",)),
        F("撤回公示日期", "withdrawn_published_date", kind=DATE),
    ), ("agency_credit_code", "decision_no")),
    Table("permits", "行政许可", _party_fields("XK") + (
        F("行政许可决定文书名称", "decision_name", R, aliases=("XK_XKWS",)),
        F("行政许可决定文书号", "decision_no", R, aliases=("XK_WSH",)),
        F("许可类别", "category", R, ENUM, ("普通", "特许", "认可", "核准", "登记", "其他"), True,
          aliases=("XK_XKLB",)),
        F("许可证书名称", "certificate_name", aliases=("XK_XKZS",)),
        F("许可编号", "license_no", aliases=("XK_XKBH",)),
        F("许可内容", "content", R, aliases=("XK_NR",)),
        F("许可决定日期", "decision_date", R, DATE, aliases=("XK_JDRQ",)),
        F("有效期自", "valid_from", R, DATE, aliases=("XK_YXQZ",)),
        F("有效期至", "valid_until", R, DATE, aliases=("XK_YXQZI",)),
        F("许可机关", "agency_name", R, aliases=("XK_XKJG",)),
        F("许可机关统一社会信用代码", "agency_credit_code", R, CREDIT, aliases=("XK_XKJGDM",)),
        F("当前状态", "current_status", R, ENUM, ("有效", "无效"), aliases=("XK_ZT",)),
        F("数据来源单位", "source_unit", aliases=("XK_LYDW",)),
        F("数据来源单位统一社会信用代码", "source_unit_code", kind=CREDIT, aliases=("XK_LYDWDM",)),
        F("备注", "note", aliases=("BZ",)),
        # portal extensions
        F("状态", "status", kind=ENUM, choices=PENALTY_STATUSES),
        F("状态日期", "status_date", kind=DATE), F("撤回理由", "withdraw_reason"),
        F("公示日期", "disclosed_date", kind=DATE, aliases=("上网日期",)),
        F("撤回公示日期", "withdrawn_published_date", kind=DATE),
    ), ("agency_credit_code", "decision_no")),
    Table("blacklist", "严重失信主体名单", (
        F("主体名称", "name", R, aliases=("失信主体名称",)),
        F("统一社会信用代码", "credit_code", R, CREDIT),
        F("法定代表人", "legal_rep", aliases=("法定代表人/负责人",)),
        F("领域", "area", R, ENUM, AREAS, True),
        F("列入事由", "reason", R), F("认定依据", "basis_text", R), F("认定部门", "authority", R),
        F("认定文书号", "authority_doc_no", R), F("列入日期", "listed_date", R, DATE),
        F("有效期至", "expires", R, DATE), F("状态", "status", R, ENUM, ("列入", "移出")),
        F("移出日期", "removed_date", kind=DATE),
        F("移出事由", "removed_reason", kind=ENUM, choices=("期满", "信用修复", "决定撤销")),
        F("主体类别", "party_kind", kind=ENUM, choices=PARTY_KINDS),  # portal extension
        F("证件号码", "id_number", kind=SECRET),
    ), ("credit_code", "authority_doc_no")),
    Table("supervision", "执法监督", (
        F("年度", "year", R, INT), F("实时监控案件数", "monitored_cases", kind=INT),
        F("抽查案卷数", "files_checked", kind=INT), F("整改意见书数", "rectification_letters", kind=INT),
        F("监督意见书数", "supervision_letters", kind=INT),
    ), ("year",)),
)}

# Order in which tables are read and reported (referenced tables first).
TABLE_ORDER = tuple(TABLES)


def table_for_stem(stem: str) -> str | None:
    """Table name for a file stem: `penalties`, `penalties-2024`, `cases_part2` (longest match)."""
    low = stem.lower()
    best = None
    for name in TABLES:
        if low == name or (low.startswith(name) and not low[len(name)].isalnum()):
            if best is None or len(name) > len(best):
                best = name
    return best

