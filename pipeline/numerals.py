"""Chinese numerals <-> int, as used for article numbers (第一百零八条) and chapter labels.

Covers the forms found in statutes and citations: 十 (10), 十二, 二十, 一百零八, 一千零二, 两百, 〇/零
placeholders, plain digit-by-digit strings (一〇八), and Arabic digits (全角 or 半角) for citations
typed by staff (第108条).
"""

from __future__ import annotations

import unicodedata

DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
          "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
          "九": 9, "玖": 9}
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "萬": 10_000}
# Characters that may appear in a Chinese numeral (handy for building regexes elsewhere).
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS) + "".join(BIG_UNITS)

_CN_DIGITS = "零一二三四五六七八九"


def _below_10000(text: str) -> int:
    if text.isdigit():      # mixed forms in statutes and exports: 1万, 50万
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in UNITS:
            # a bare unit means one of it: 十二 = 12, 百 alone = 100
            total += (1 if digit is None else digit) * UNITS[ch]
            digit = None
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + (digit or 0)


def cn_to_int(text: str) -> int:
    """'一百零八' -> 108, '十' -> 10, '两' -> 2, '108' -> 108; ValueError for anything else."""
    if text is None:
        raise ValueError("empty numeral")
    value = unicodedata.normalize("NFKC", str(text)).strip()
    if not value:
        raise ValueError("empty numeral")
    if value.isdigit():
        return int(value)
    if not any(ch in UNITS or ch in BIG_UNITS for ch in value):
        # digit-by-digit form: 一〇八
        if all(ch in DIGITS for ch in value):
            return int("".join(str(DIGITS[ch]) for ch in value))
        raise ValueError(f"not a Chinese numeral: {text!r}")
    total = 0
    for big_char, big in BIG_UNITS.items():
        if big_char in value:
            head, _, value = value.partition(big_char)
            total += _below_10000(head or "一") * big
    return total + _below_10000(value)


def int_to_cn(number: int) -> str:
    """108 -> '一百零八', 10 -> '十', 1002 -> '一千零二' (the forms used in statute headings)."""
    if not isinstance(number, int) or number < 0:
        raise ValueError(f"cannot write {number!r} as a Chinese numeral")
    if number == 0:
        return "零"
    if number >= 10_000:
        high, low = divmod(number, 10_000)
        tail = int_to_cn(low) if low else ""
        if low and low < 1000:
            tail = "零" + tail
        return int_to_cn(high) + "万" + tail
    parts: list[str] = []
    pending_zero = False
    for unit_value, unit_char in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // unit_value % 10
        if digit == 0:
            if parts:
                pending_zero = True
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        parts.append(_CN_DIGITS[digit] + unit_char)
    text = "".join(parts)
    # 10-19 are written 十, 十一 … not 一十一
    return text[1:] if text.startswith("一十") else text
