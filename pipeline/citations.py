"""Parse legal citations in free text (设定依据, 处罚依据, 认定依据 …) against the law library.

Handles what real exports contain (domain §5):
- full and short titles (《食品安全法》 ≡ 《中华人民共和国食品安全法》), titles with nested marks
  (《山东省实施《中华人民共和国固体废物污染环境防治法》办法》 or with 〈〉), and known titles written
  without 《》 when an article follows (食品安全法第一百二十二条);
- 第X条 / 第X条第Y款 / 第X条第Y款第（Z）项 / 第Z项 / （Z）, Chinese or Arabic numerals, ranges
  第X条至第Y条;
- several references in one field: each reference belongs to the last law named before it, and a
  reference that starts at 款 or 项 inherits the article (and 款) of the one before it
  ("《食品安全法》第一百二十二条、第一百二十四条第一款、第二款").

Every result keeps a readable `raw`: the law title as written plus the reference text. Unknown laws
get law_id None; articles missing from a known law get article/anchor None (the page then shows the
raw text, never a link).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.laws import LawLibrary, title_key
from pipeline.numerals import NUMERAL_CHARS, cn_to_int, int_to_cn

_N = f"[{NUMERAL_CHARS}0-9０-９]+"
_OPEN, _CLOSE = "（(", "）)"
_ITEM = (rf"(?:\s*(?:第\s*)?(?:[{_OPEN}]\s*(?P<{{0}}>{_N})\s*[{_CLOSE}]\s*项?"
         rf"|(?P<{{1}}>{_N})\s*项))")
REF_RE = re.compile(
    rf"第\s*(?P<art>{_N})\s*条(?P<sub>之{_N})?"
    rf"(?:\s*(?:至|到|～|~|－|-|—)\s*第?\s*(?P<art_end>{_N})\s*条)?"
    rf"(?:\s*第\s*(?P<para>{_N})\s*款)?"
    + _ITEM.format("item_a", "item_b") + "?"
    + rf"|第\s*(?P<para_only>{_N})\s*款" + _ITEM.format("item_c", "item_d") + "?"
    + rf"|第\s*[{_OPEN}]?\s*(?P<item_only>{_N})\s*[{_CLOSE}]?\s*项"
    # a bare （四） continuing a list of items: 第（三）、（四）项
    + rf"|(?<=[、，,和及或])\s*[{_OPEN}](?P<item_list>{_N})[{_CLOSE}]\s*项?"
)
MAX_RANGE = 30   # 第一条至第三十条 is expanded; longer ranges keep only their ends


@dataclass
class _Token:
    start: int
    end: int
    kind: str            # "law" or "ref"
    title: str = ""      # law: inner title as written
    match: re.Match | None = None


def _bracket_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost 《…》, nesting allowed; an unclosed 《 is ignored."""
    spans, pos = [], 0
    while (start := text.find("《", pos)) != -1:
        depth, i = 0, start
        while i < len(text):
            if text[i] == "《":
                depth += 1
            elif text[i] == "》":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        if depth == 0 and i < len(text):
            spans.append((start, i + 1))
            pos = i + 1
        else:
            pos = start + 1
    return spans


def _bare_title_re(library: LawLibrary) -> re.Pattern | None:
    names = {name for law in library.laws for name in (law.title, law.short_title)
             if "《" not in name}
    if not names:
        return None
    # longest first so 食品安全法实施条例 wins over 食品安全法; only when an article follows
    alternation = "|".join(re.escape(n) for n in sorted(names, key=lambda s: (-len(s), s)))
    return re.compile(rf"(?:{alternation})(?=\s*第\s*{_N}\s*条)")


_BARE_CACHE: dict[int, tuple[LawLibrary, re.Pattern | None]] = {}


def _bare_titles(library: LawLibrary) -> re.Pattern | None:
    cached = _BARE_CACHE.get(id(library))
    if cached is None or cached[0] is not library:
        cached = (library, _bare_title_re(library))
        _BARE_CACHE[id(library)] = cached
    return cached[1]


def _tokens(text: str, library: LawLibrary) -> list[_Token]:
    spans = _bracket_spans(text)
    tokens = [_Token(s, e, "law", title=text[s + 1:e - 1].strip()) for s, e in spans]

    def outside(pos: int) -> bool:
        return not any(s <= pos < e for s, e in spans)

    bare = _bare_titles(library)
    if bare is not None:
        tokens += [_Token(m.start(), m.end(), "law", title=m.group(0))
                   for m in bare.finditer(text) if outside(m.start())]
    tokens += [_Token(m.start(), m.end(), "ref", match=m)
               for m in REF_RE.finditer(text) if outside(m.start())]
    return sorted(tokens, key=lambda t: (t.start, t.kind))


def _num(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return cn_to_int(value)
    except ValueError:
        return None


def _ref_parts(m: re.Match, previous: tuple | None) -> list[tuple]:
    """(article, label_as_written, paragraph, item) tuples for one reference match."""
    g = m.groupdict()
    if g["art"]:
        article = _num(g["art"])
        item = _num(g["item_a"] or g["item_b"])
        label = f"第{int_to_cn(article)}条" if article is not None else f"第{g['art']}条"
        if g["sub"]:     # 第二十条之一: not an article number this model knows
            return [(None, label + g["sub"], _num(g["para"]), item)]
        end = _num(g["art_end"])
        if end is not None and article is not None and article < end <= article + MAX_RANGE:
            return [(n, f"第{int_to_cn(n)}条", None, None) for n in range(article, end + 1)]
        parts = [(article, label, _num(g["para"]), item)]
        if end is not None and end != article:
            parts.append((end, f"第{int_to_cn(end)}条", None, None))
        return parts
    prev_article, prev_label, prev_para = previous[:3] if previous else (None, None, None)
    if g["para_only"]:
        return [(prev_article, prev_label, _num(g["para_only"]), _num(g["item_c"] or g["item_d"]))]
    if g["item_list"] and previous is None:
        return []      # a list marker in prose, not a reference
    return [(prev_article, prev_label, prev_para, _num(g["item_only"] or g["item_list"]))]


def _citation(raw, law_title, law, article, label, paragraph, item) -> dict:
    exists = law is not None and article is not None and article in law.articles
    if exists:
        label = law.articles[article].label
    return {
        "raw": raw,
        "law_title": law.title if law is not None else law_title,
        "law_id": law.id if law is not None else None,
        "article": article if exists else None,
        "article_label": label,
        "paragraph": paragraph,
        "item": item,
        "anchor": f"art-{article}" if exists else None,
    }


def parse_citations(text: str | None, library: LawLibrary) -> list[dict]:
    """All citations in `text`, in order of appearance, without duplicates.

    Basis fields repeat a lot (every penalty under one matter cites the same article), so results
    are cached per text and library; each call gets its own dicts.
    """
    if not text or not str(text).strip():
        return []
    return [dict(c) for c in _parse_cached(str(text), library)]


@lru_cache(maxsize=50_000)
def _parse_cached(text: str, library: LawLibrary) -> tuple[dict, ...]:
    return tuple(_parse(text, library))


def _parse(text: str, library: LawLibrary) -> list[dict]:
    results: list[dict] = []
    seen: set[tuple] = set()
    law_title, law, law_raw = None, None, ""
    law_used = True           # whether the current law already produced a citation
    previous: tuple | None = None

    def emit(raw, article, label, paragraph, item):
        key = (law.id if law else law_title, article, label, paragraph, item)
        if key not in seen:
            seen.add(key)
            results.append(_citation(raw, law_title, law, article, label, paragraph, item))

    for token in _tokens(text, library):
        if token.kind == "law":
            if not law_used:
                emit(law_raw, None, None, None, None)
            law_title, law = token.title, library.find(token.title)
            law_raw = text[token.start:token.end]
            law_used, previous = False, None
            continue
        ref_text = re.sub(r"\s+", "", token.match.group(0))
        if not token.match.group("art") and previous and previous[1]:
            # 款/项 alone: spell out the inherited article so raw reads on its own
            inherited = previous[1]
            if (token.match.group("item_only") or token.match.group("item_list")) and previous[2]:
                inherited += f"第{int_to_cn(previous[2])}款"
            ref_text = inherited + ref_text
        for part in _ref_parts(token.match, previous):
            emit(law_raw + ref_text, *part)
            previous = part
        law_used = True
    if not law_used:
        emit(law_raw, None, None, None, None)
    return results
