"""Turn a row of strings into typed values: dates, 万元 money, enumerations, checked codes.

Each parser raises `ValueError` with a short Chinese reason for staff. Reasons never repeat an
ID number or a code that could be one (the report is read by people who must not see them).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from stdnum.cn import ric, uscc
from stdnum.iso7064 import mod_11_2

from pipeline.errors import Notice, Problem
from pipeline.readers import LONE_SURROGATE, REPLACEMENT
from pipeline.tables import (BOOL, CREDIT, DATE, ENUM, INT, KINDS, MONEY, SECRET, SYNONYMS, TEXT, Table)

_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug is before any serial we accept)
_SERIAL_RANGE = (20000, 73050)     # 1954-10-03 … 2099-12-31: anything else is not a plausible decision date
LONG_TERM = {"长期", "长期有效", "永久", "永久有效", "无固定期限"}
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")
_ID_MASKED = re.compile(r"^\d{6,}[*＊xX]{2,}[\dX]{0,4}$|^\d{4,}[*＊]{4,}\d{0,4}[\dX]?$")
# Credit-code fields where a natural person's ID number may legitimately stand (party columns).
_PARTY_CODE_FIELDS = {("blacklist", "credit_code")}
_SPLIT_KINDS = re.compile(r"[;；、,，/|\s]+")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


@lru_cache(maxsize=65536)  # exports repeat the same few thousand dates
def parse_date(text: str | None) -> date | None:
    """'2024-03-05', '2024/3/5', '2024年3月5日', '20240305', '2024-03-05 00:00:00', Excel serial."""
    if text is None or not str(text).strip():
        return None
    value = _nfkc(str(text))
    match = _YMD.match(value) or _COMPACT.match(value)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        if _SERIAL.match(value):
            serial = float(value)
            if _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
                return _EXCEL_EPOCH + timedelta(days=int(serial))
    except ValueError:
        raise ValueError(f"日期不存在：{value}") from None
    raise ValueError(f"日期格式无法识别：{value}（应为 2024-03-05、2024/3/5、2024年3月5日 或 20240305）")


def parse_wan(text: str | None) -> tuple[str, int] | None:
    """An amount in 万元 -> ('0.2', 2000): the normalised 万元 string and whole 元 (Decimal)."""
    if text is None or not str(text).strip():
        return None
    value = _nfkc(str(text)).replace(",", "")
    if value.endswith("万元"):
        value = value[:-2]
    elif value.endswith("万"):
        value = value[:-1]
    elif value.endswith("元"):
        raise ValueError(f"金额单位应为万元：{text}")
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"金额不是数字：{text}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"金额无效：{text}")
    wan = format(amount.normalize(), "f")
    yuan = int((amount * 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return wan, yuan


def looks_like_id_number(text: str | None) -> bool:
    """Any form of a 居民身份证 number: 18 chars with a right ISO 7064 check, 15 digits, or masked."""
    if not text:
        return False
    value = _nfkc(str(text)).upper()
    if _ID18.match(value):
        return mod_11_2.is_valid(value)
    if _ID15.match(value):
        return True
    # masked: ID numbers start with a region code (1-8); a masked credit code often starts with 9
    return bool(_ID_MASKED.match(value)) and value[0] != "9"


def _id_number_in_code_column(raw: str) -> bool:
    """A credit-code cell holding a 居民身份证 number. About one ID number in 31 also passes the
    统一社会信用代码 check by chance, so a valid code is still an ID number when it carries a
    plausible birth date where an ID number does — the leak gate's rule (sanitize.is_id18), so
    what the pull publishes as a code is never what the gate refuses as an ID number."""
    from pipeline.sanitize import is_id18

    value = _nfkc(raw).upper()
    if not looks_like_id_number(raw):
        return False
    return not uscc_valid(value) or (len(value) == 18 and is_id18(value))


def id_number_ok(text: str) -> bool:
    """Check digit of an 18-character ID number (stdnum's ric check-digit rule, which is ISO 7064
    mod 11-2). Birth date and place code are not judged here: stdnum's place table is incomplete
    and a wrong place code is no reason to hold a decision back."""
    value = _nfkc(text).upper()
    if _ID15.match(value) or _ID_MASKED.match(value):
        return True  # legacy or masked: nothing to check
    return bool(_ID18.match(value)) and ric.calc_check_digit(value) == value[-1]


@lru_cache(maxsize=65536)
def uscc_valid(value: str) -> bool:
    # the same few issuing bodies' codes recur on every row of a decisions export
    return uscc.is_valid(value)


def parse_credit_code(text: str) -> str:
    value = _nfkc(text).upper().replace(" ", "")
    if not uscc_valid(value):
        raise ValueError("统一社会信用代码无效（应为 18 位且校验位正确）")
    return value


def parse_enum(key: str, text: str, choices: tuple[str, ...], prefix_ok: bool = False) -> str:
    value = _nfkc(text)
    value = SYNONYMS.get(key, {}).get(value, value)
    if value in choices or (prefix_ok and value.startswith("其他")):
        return value
    raise ValueError(f"取值“{value}”不在允许范围（{'/'.join(choices)}）")


def parse_kinds(text: str, choices: tuple[str, ...]) -> list[str]:
    kinds: list[str] = []
    for part in _SPLIT_KINDS.split(_nfkc(text)):
        if not part:
            continue
        if part not in choices and not part.startswith("其他"):
            raise ValueError(f"处罚类别“{part}”不是行政处罚法第九条规定的种类")
        if part not in kinds:
            kinds.append(part)
    return kinds


def parse_bool(key: str, text: str) -> bool:
    value = SYNONYMS[key].get(_nfkc(text).upper())
    if value is None:
        raise ValueError(f"应为 是/否：{text}")
    return value


def parse_int(text: str) -> int:
    try:
        number = Decimal(_nfkc(text).replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"应为整数：{text}") from None
    if number != number.to_integral_value() or number < 0:
        raise ValueError(f"应为非负整数：{text}")
    return int(number)


def _value(field, raw: str):
    kind = field.kind
    if kind == DATE:
        if field.key == "valid_until" and _nfkc(raw) in LONG_TERM:
            return None
        return parse_date(raw)
    if kind == MONEY:
        return parse_wan(raw)
    if kind == ENUM:
        return parse_enum(field.key, raw, field.choices, field.prefix_ok)
    if kind == KINDS:
        return parse_kinds(raw, field.choices)
    if kind == BOOL:
        return parse_bool(field.key, raw)
    if kind == INT:
        return parse_int(raw)
    return _nfkc(raw) if kind == CREDIT else _INVISIBLE_CONTROLS.sub("", raw)


# Characters that carry nothing a reader can see, removed from text:
# - bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): no
#   Chinese enforcement record needs them, and in a party name or a decision text they can make
#   the page show characters in another order than they are stored (a spoofed name or number);
# - C0 controls but tab, line feed and carriage return, DEL and the C1 controls (U+0080–U+009F):
#   debris of copy-paste and mis-decoded exports. XML 1.0 cannot hold the C0 ones at all, so a
#   single one in a party name made the Atom feed writer (feedgenerator) fail the publish, and
#   HTML parsers report each as an error.
_INVISIBLE_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
                                 "\u202a-\u202e\u2066-\u2069]")
# The cell is still imported (nothing a reader could see is lost) but its content changed, so each
# such cell gets a row-numbered warning in the pull report (INVISIBLE_REMOVED) saying how many of
# which kind were removed, never the value. Only text cells are cleaned: in a date, code, amount
# or enumeration a control makes the value fail to parse (the row is quarantined). At a cell's
# edges the readers' strip() already takes the controls Python counts as whitespace (tab to CR,
# U+001C–U+001F, U+0085), as it takes spaces; those are not reported.
INVISIBLE_REMOVED = "invisible_removed"


def _control_kind(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return "C0 控制字符"
    if code == 0x7F:
        return "删除符 DEL"
    if code < 0xA0:
        return "C1 控制字符"
    return "双向文本控制字符"


def _controls_notice(field, raw: str) -> Notice:
    """What was removed from a text cell: how many characters of which kind (code points named,
    so staff can search the source for them), never the cell itself."""
    found = Counter(_INVISIBLE_CONTROLS.findall(raw))
    parts = [f"{_control_kind(char)} U+{ord(char):04X}" + (f" ×{count}" if count > 1 else "")
             for char, count in sorted(found.items())]
    return Notice(field.name, INVISIBLE_REMOVED,
                  f"删除了 {sum(found.values())} 个不可见字符（{'、'.join(parts)}），其余内容不变；请在源数据中清除")


# U+FFFD (the replacement character, shown as "�") is what a decoder writes where it met bytes it
# could not decode: a cell holding one was damaged by a wrong encoding somewhere upstream, and the
# character it stands for is lost. The readers never make one (CSV and JSON are decoded strictly,
# an undecodable file is refused), so it comes with the export, through every reader: an old .xls
# whose UTF-16 cell held half a surrogate pair (calamine gives U+FFFD), or a CSV, JSON or .xlsx
# written by a system that had already decoded something with "replace".
#
# Decision: a row-numbered warning (REPLACEMENT_CHAR); the cell is imported as it is. Not a
# quarantine, because
# - unlike a lone surrogate (below) it is a character: every output (UTF-8 YAML, pages, feeds,
#   search index, open data) holds it, so nothing downstream breaks, and what is published is what
#   the export says, not a substitute the pipeline chose;
# - it is visible: "青岛�餐饮有限公司" shows a reader that a character is missing, it does not
#   pass for another name. The rest of the record is valid; a quarantine would hold back (or take
#   down, for a decision already public) a decision the law requires to be public, over a
#   character no later pull can restore — only staff correcting the source can, which is what
#   the warning asks of them;
# - where it lands in a value that must parse (a date, a code, an enumeration, an amount) the
#   parser refuses it and the row is quarantined anyway; the warning then tells staff why.
# The warning names the file, row, field and the character's position, never the value.
# The lone-surrogate rule below stays: there the pipeline would have to choose what to publish
# in place of a code point no output can hold. (So the same damaged cell is quarantined from a
# JSON export, where it arrives as "\ud800", and warned about from an .xls, where calamine has
# already made it U+FFFD.)
REPLACEMENT_CHAR = "replacement_char"  # REPLACEMENT (readers) is the character itself
_SHOWN_POSITIONS = 5

# The kinds of Notice, as the report names a batch of them (validate: cells beyond a file's limit).
NOTICE_LABELS = {INVISIBLE_REMOVED: "删除了不可见字符", REPLACEMENT_CHAR: "含替换字符 U+FFFD（原字符已丢失）"}


def _replacement_notice(field, raw: str) -> Notice:
    positions = [i + 1 for i, char in enumerate(raw) if char == REPLACEMENT]
    where = "、".join(str(p) for p in positions[:_SHOWN_POSITIONS]) + "个"
    if len(positions) > _SHOWN_POSITIONS:
        where += f"等共 {len(positions)} 个"
    return Notice(field.name, REPLACEMENT_CHAR,
                  f"第{where}字符是替换字符 U+FFFD（�）：原字符在导出或转码时已丢失（编码错误），"
                  f"内容照原样保留；请在源系统中核对该字段后重新导出")


# A lone surrogate (U+D800–U+DFFF; a JSON export's "\ud800" escape) is half of a UTF-16 pair:
# not a character, and no UTF-8 file can hold it (PyYAML refused content/ written with one). It
# stands where a character was lost upstream, typically a rare CJK character (生僻字, outside
# the BMP, common in names) cut in half by a UTF-16 export. The row is quarantined, as a value
# that does not parse is: the lost character cannot be restored, and publishing the rest (or
# U+FFFD) would show a party name or decision text other than the decision's. Same rule as the
# readers' strict decoding: an undecodable file is refused, never "replaced". (LONE_SURROGATE)
# A U+FFFD the export itself holds is only warned about (above): the pipeline did not choose it.


def _surrogate_problem(field, raw: str) -> Problem | None:
    """The reason a cell holding a lone surrogate is refused: where and which code point, never
    the cell itself (it may be a name or an ID number, and could not be written out anyway)."""
    found = LONE_SURROGATE.search(raw)
    if found is None:
        return None
    return Problem(field.name, f"第{found.start() + 1}个字符无效（U+{ord(found.group()):04X} 是孤立的代理码位，"
                               f"不是完整的字符，多为生僻字在导出时损坏）；请核对原始记录后重新导出")


def normalise_row(table: Table, cells: dict[str, str], surrogates: bool = True,
                  notices: list[Notice] | None = None, replacement: bool = True) -> tuple[dict, list[Problem]]:
    """cells: English key -> raw string. Returns the typed record and the problems found.
    `notices`, when given, receives what staff must hear of though the row is used: invisible
    characters removed from a text cell, a cell holding U+FFFD (see above); `replacement=False`
    when the reader knows no cell holds U+FFFD (RawTable.replacement): cells are then not searched.

    A credit-code field holding an ID number (natural persons in some exports) is moved to
    `id_number`-like private keys: `_person_code` (True) and `_id_number` (when unmasked), and
    the field becomes None, so the number can never be exported by accident.
    `surrogates=False` when the reader knows no cell holds a lone surrogate (RawTable.surrogates):
    the cells are then not searched for one.
    """
    record: dict = {}
    problems: list[Problem] = []
    if replacement and notices is not None:
        notices.extend(_replacement_notice(field, cells[field.key]) for field in table.fields
                       if REPLACEMENT in cells.get(field.key, ""))
    for field in table.fields:
        raw = cells.get(field.key, "")
        if surrogates and raw and (problem := _surrogate_problem(field, raw)) is not None:
            # checked before any parser: their reasons quote the value (and the report, a
            # UTF-8 file, could not hold it)
            problems.append(problem)
            if field.kind == MONEY:
                record[field.key + "_wan"] = record[field.key + "_yuan"] = None
            else:
                record[field.key] = [] if field.kind == KINDS else None
            continue
        if not raw:
            if field.kind == MONEY:
                record[field.key + "_wan"] = record[field.key + "_yuan"] = None
            else:
                record[field.key] = [] if field.kind == KINDS else None
            if field.required:
                problems.append(Problem(field.name, "必填字段为空"))
            continue
        if field.kind == SECRET:
            if field.key.endswith("id_number") and _nfkc(raw).upper()[:17].isdigit() \
                    and len(_nfkc(raw)) == 18 and not id_number_ok(raw):
                problems.append(Problem(field.name, "身份证号码校验位错误"))
            record[field.key] = raw  # removed by drop_secrets() right after the minor check
            continue
        if field.kind == CREDIT and _id_number_in_code_column(raw):
            record[field.key] = None
            if (table.name, field.key) in _PARTY_CODE_FIELDS or field.key == "party_credit_code":
                record["_person_code"] = True
                record.setdefault("_id_number", raw)
            else:
                problems.append(Problem(field.name, "应为统一社会信用代码，但填写的像是身份证号码"))
            continue
        try:
            if field.kind == TEXT:  # _value's last case, taken first: most fields are text
                value = _INVISIBLE_CONTROLS.sub("", raw)
                if len(value) != len(raw) and notices is not None:
                    notices.append(_controls_notice(field, raw))
            else:
                value = _value(field, raw)
                if field.kind == CREDIT:
                    value = parse_credit_code(value)
        except ValueError as exc:
            problems.append(Problem(field.name, str(exc)))
            value = None
        if field.kind == MONEY:
            record[field.key + "_wan"], record[field.key + "_yuan"] = value or (None, None)
        else:
            record[field.key] = value
    return record, problems


def drop_secrets(table: Table, record: dict) -> str | None:
    """Remove every never-publish value from the record; return the party's ID number (if any)
    so the caller can run is_minor() on it before it is forgotten."""
    id_number = record.pop("_id_number", None)
    for field in table.fields:
        if field.kind == SECRET:
            value = record.pop(field.key, None)
            if field.key == "id_number" and value:
                id_number = value
    return id_number
