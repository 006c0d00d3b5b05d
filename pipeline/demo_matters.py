"""Enforcement matters (权责清单) for the demo, derived from the real law texts.

Penalty matters come from the 法律责任/罚则 chapters of the laws each body enforces: one matter per
punishable behaviour (an article's 款, or each of its 项). The behaviour text, the fine range and the
citation (第X条第Y款第（Z）项) are read from the article itself, so every demo citation points to an
article that exists and says what the matter claims. Other categories pick a real article that
contains a category keyword (许可, 监督检查, 查封 …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from pipeline import demo_pools as pools
from pipeline.laws import Law, LawLibrary
from pipeline.numerals import NUMERAL_CHARS, cn_to_int, int_to_cn

PENALTY_WORDS = ("罚款", "警告", "没收", "吊销", "责令停产停业", "责令关闭")
_N = f"[{NUMERAL_CHARS}0-9]+"
FINE_RANGE = re.compile(rf"({_N})(万)?元以上({_N})(万)?元以下(?:的)?罚款")
_LEAD = re.compile(r"^(?:违反本(?:法|条例|办法|规定)[^，。]*?规定，?|因)")
_ITEM_MARK = re.compile(rf"^[（(]{_N}[）)]")
_STOPS = ("的，由", "的，处", "的，责令", "的，没收", "的，给予", "的，依照", "的，")
MAX_NAME = 40

# Permits the demo issues: (许可名称, 许可类别, 证书名称, law, keywords, validity years, licence prefix).
PERMITS = (
    ("食品经营许可", "普通", "食品经营许可证", "食品安全法", ("许可制度",), 5, "JY"),
    ("食品生产许可", "普通", "食品生产许可证", "食品安全法", ("生产许可",), 5, "SC"),
    ("药品经营许可", "普通", "药品经营许可证", "药品管理法", ("药品经营许可",), 5, "LY"),
    ("建设工程规划许可", "普通", "建设工程规划许可证", "城乡规划法", ("建设工程规划许可证",), 2, "JG"),
    ("乡村建设规划许可", "普通", "乡村建设规划许可证", "城乡规划法", ("乡村建设规划许可证",), 2, "XC"),
    ("建筑工程施工许可", "普通", "建筑工程施工许可证", "建筑法", ("施工许可证",), 1, "SG"),
    ("排污许可", "普通", "排污许可证", "环境保护法", ("排污许可",), 5, "PW"),
    ("取水许可", "普通", "取水许可证", "水法", ("取水许可",), 5, "QS"),
    ("烟草专卖零售许可", "特许", "烟草专卖零售许可证", "烟草专卖法", ("零售许可证",), 5, "YC"),
    ("特种设备使用登记", "登记", "特种设备使用登记证", "特种设备安全法", ("使用登记",), 10, "TS"),
    ("公众聚集场所投入使用、营业前消防安全检查", "普通", "消防安全检查合格证", "消防法", ("消防安全检查",), 3, "XF"),
    ("野生动物人工繁育许可", "特许", "人工繁育许可证", "野生动物保护法", ("人工繁育许可证",), 5, "YS"),
    ("林木采伐许可", "普通", "林木采伐许可证", "森林法", ("采伐许可证",), 1, "CF"),
    ("动物防疫条件合格证核发", "核准", "动物防疫条件合格证", "动物防疫法", ("动物防疫条件合格证",), 5, "DF"),
    ("广告发布登记", "登记", "广告发布登记证", "广告法", ("广告发布", "登记"), 3, "GG"),
)


@dataclass(frozen=True)
class Behaviour:
    """One punishable behaviour: what it is, where the law says so, and the fine range."""

    text: str
    law_title: str
    article: int
    paragraph: int | None
    item: int | None
    fine_min: int | None       # 元
    fine_max: int | None
    warning: bool              # the article allows 警告
    confiscation: bool         # 没收违法所得
    revocation: bool           # 吊销许可证件

    @property
    def citation(self) -> str:
        text = f"《{self.law_title}》第{int_to_cn(self.article)}条"
        if self.paragraph:
            text += f"第{int_to_cn(self.paragraph)}款"
        if self.item:
            text += f"第（{int_to_cn(self.item)}）项"
        return text


@dataclass
class Matter:
    code: str
    name: str
    category: str
    body: pools.Body
    basis: str
    behaviour: Behaviour | None = None
    permit: tuple | None = None


def subject(law: Law) -> str:
    """食品安全法 -> 食品安全; 城市市容和环境卫生管理条例 -> 城市市容和环境卫生."""
    name = re.sub(r"^山东省实施|^青岛市", "", law.short_title)
    name = re.sub(r"[《》〈〉]", "", name)
    for suffix in ("实施条例", "管理条例", "监察条例", "办法", "条例", "法"):
        if name.endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def _to_yuan(number: str, wan: str | None) -> int:
    return cn_to_int(number) * (10_000 if wan else 1)


def fine_range(text: str) -> tuple[int | None, int | None]:
    m = FINE_RANGE.search(text)
    if not m:
        return None, None
    low, high = _to_yuan(m.group(1), m.group(2)), _to_yuan(m.group(3), m.group(4))
    return (low, high) if 0 < low <= high else (None, None)


def _shorten(text: str) -> str:
    text = _LEAD.sub("", text.strip())
    for stop in _STOPS:
        if stop in text:
            text = text.split(stop, 1)[0]
            break
    text = _ITEM_MARK.sub("", text).strip(" ；;。，,：:")
    if len(text) > MAX_NAME:
        text = re.split(r"，或者|，|；", text)[0]
    if len(text) > MAX_NAME:   # still long: end at the last 或者/、 so the phrase stays whole
        cut = max(text.rfind("或者", 0, MAX_NAME), text.rfind("、", 0, MAX_NAME))
        text = text[:cut] if cut > 10 else text[:MAX_NAME]
    return text.rstrip("的")


def _usable(text: str) -> bool:
    """A behaviour text that reads as one: not a cross-reference or a list lead-in."""
    return (len(text) >= 6 and not text.startswith(("有下列", "本法", "本条例", "对"))
            and not any(w in text for w in ("处罚", "包括", "责任", "罚款", "罚金", "违反本", "信息后", "应当", "。")))


def behaviours(law: Law) -> list[Behaviour]:
    found: list[Behaviour] = []
    for number in law.liability_articles():
        article = law.articles[number]
        if not any(w in article.text for w in PENALTY_WORDS):
            continue
        clauses = article.clauses()
        for k, clause in enumerate(clauses, 1):
            context = clause.text + "".join(clause.items)
            if "前款" in clause.text or "前两款" in clause.text or not any(w in context for w in PENALTY_WORDS):
                continue
            if ("处分" in clause.text or "工作人员" in clause.text) and "罚款" not in clause.text:
                continue      # sanctions on officials, not penalties on parties
            low, high = fine_range(context)
            if low is None:
                low, high = fine_range(article.text)
            flags = ("警告" in context, "没收违法所得" in context, "吊销" in context)
            para = k if len(clauses) > 1 else None
            if clause.items:
                for j, item in enumerate(clause.items, 1):
                    text = _shorten(item)
                    if _usable(text):
                        found.append(Behaviour(text, law.title, number, para, j, low, high, *flags))
            else:
                text = _shorten(clause.text)
                if _usable(text):
                    found.append(Behaviour(text, law.title, number, para, None, low, high, *flags))
    return found


def _first_article(law: Law, keywords: tuple[str, ...]) -> int | None:
    for number, article in law.articles.items():
        if all(k in article.text for k in keywords):
            return number
    return None


def _label(law: Law, number: int) -> str:
    return f"《{law.title}》{law.articles[number].label}"


class MatterBook:
    """All matters of the demo county, with lookups the other demo generators need."""

    def __init__(self, library: LawLibrary):
        self.library = library
        self.matters: list[Matter] = []
        self.by_body: dict[str, dict[str, list[Matter]]] = {}
        self._behaviours = {law.title: behaviours(law) for law in library.laws}
        self._build()

    def law(self, short: str) -> Law:
        law = self.library.find(short)
        if law is None:
            raise LookupError(f"law {short!r} missing from the law folder")
        return law

    def _add(self, body_no: int, body: pools.Body, category: str, name: str, basis: str, **extra) -> None:
        per_body = self.by_body.setdefault(body.name, {})
        seq = sum(len(v) for v in per_body.values()) + 1
        code = f"{pools.AREA_CODE}{body_no:02d}-{pools.CATEGORY_CODES[category]}-{seq:04d}"
        matter = Matter(code, name, category, body, basis, **extra)
        per_body.setdefault(category, []).append(matter)
        self.matters.append(matter)

    def _build(self) -> None:
        for body_no, body in enumerate(pools.BODIES, 1):
            laws = [self.law(short) for short in body.laws]
            if body.extra.get("行政处罚", 1):
                seen = set()
                for law in laws:
                    for b in self._behaviours[law.title]:
                        name = f"对{b.text}的行政处罚"
                        if name not in seen:
                            seen.add(name)
                            self._add(body_no, body, "行政处罚", name, b.citation, behaviour=b)
            self._permits(body_no, body, laws)
            for category, weight in pools.CATEGORY_WEIGHTS.items():
                if category == "行政许可":
                    continue
                self._generic(body_no, body, laws, category, body.extra.get(category, weight))

    def _permits(self, body_no: int, body: pools.Body, laws: list[Law]) -> None:
        central = body.extra.get("行政许可", 0) > 0      # the 行政审批服务局 issues all of them
        mine = [p for p in PERMITS if central or self.law(p[3]) in laws]
        quota = body.extra.get("行政许可", pools.CATEGORY_WEIGHTS["行政许可"])
        variants = ("（新办）", "（变更）", "（延续）", "（注销）", "（补证）")
        if not mine:
            self._generic(body_no, body, laws, "行政许可", quota)
            return
        for i in range(min(quota, len(mine) * len(variants))):
            permit = mine[i % len(mine)]
            law = self.law(permit[3])
            number = _first_article(law, permit[4]) or _first_article(law, ("许可",))
            basis = _label(law, number) if number else "《中华人民共和国行政许可法》第十二条"
            variant = variants[i // len(mine)]
            self._add(body_no, body, "行政许可", permit[0] + variant, basis, permit=permit)

    def _generic(self, body_no: int, body: pools.Body, laws: list[Law], category: str, quota: int) -> None:
        keywords, templates = pools.CATEGORY_RULES[category]
        candidates = [(law, n) for law in laws if (n := _first_article(law, keywords))]
        if not candidates:   # fall back to the first law of the library that has such an article
            candidates = [(law, n) for law in self.library.laws if (n := _first_article(law, keywords))][:1]
        combos = [(law, n, tpl) for tpl in templates for law, n in candidates]
        for i in range(quota):
            law, number, tpl = combos[i % len(combos)]
            name = tpl.format(s=subject(law))
            if i >= len(combos):   # more matters than combinations: split by sub-district
                name += f"（{pools.TOWNS[(i // len(combos) - 1) % len(pools.TOWNS)]}）"
            self._add(body_no, body, category, name, _label(law, number))

    def penalty_matters(self, body: pools.Body) -> list[Matter]:
        return self.by_body.get(body.name, {}).get("行政处罚", [])

    def permit_matters(self, body: pools.Body) -> list[Matter]:
        return [m for m in self.by_body.get(body.name, {}).get("行政许可", []) if m.permit]


def wan(yuan: int | Decimal) -> str:
    """元 -> 万元 string as the 双公示 layout wants it: 2000 -> '0.2', 50000 -> '5'."""
    value = (Decimal(yuan) / Decimal(10_000)).normalize()
    text = format(value, "f")
    return text
