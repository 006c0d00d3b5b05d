"""CJK token rules for the search index: ONE definition, shared with the browser.

lunr splits text only on whitespace, so a Chinese sentence would be a single token. These rules
turn text into search terms:

- each character is NFKC-normalised and lower-cased (full-width ＡＢＣ１２３ -> abc123), then mapped
  through BRACKETS (〔〕【】 -> [], which NFKC leaves alone);
- a run of Han (CJK) characters gives its overlapping bigrams (食品安全 -> 食品 品安 安全); a run of
  one Han character is kept as a unigram;
- a run of word characters (ASCII letters/digits, Latin letters) is one term;
- everything else separates terms.

The browser runs the same rules in theme/static/js/search-tokens.js, which reads the rule table
from `rules_table()` (written into the output as JSON by the search generator), so the character
classes live only here. tests/test_search_tokens.py checks parity with node on tricky strings.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from dataclasses import dataclass

from lunr.pipeline import Pipeline
from lunr.token import Token

from pipeline.ids import _BRACKETS as _ID_BRACKETS

#: label under which the pipeline function is registered in lunr.py and lunr.js
PIPELINE_LABEL = "gongshiCjk"
RULES_VERSION = 1

# Code point ranges (inclusive). Kana and Hangul are treated like Han: bigrams work for them too.
HAN_RANGES = (
    (0x3005, 0x3007),    # 々 〆 〇 (〇 appears in years written 二〇二四)
    (0x3040, 0x30FF),    # kana
    (0x3400, 0x4DBF),    # CJK extension A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xAC00, 0xD7AF),    # Hangul syllables
    (0xF900, 0xFAFF),    # compatibility ideographs
    (0x20000, 0x3134F),  # extensions B-G (astral: the JS side iterates code points)
)
WORD_RANGES = (
    (0x30, 0x39),        # 0-9
    (0x61, 0x7A),        # a-z (text is lower-cased first)
    (0xDF, 0xF6),        # Latin-1 letters (lower case)
    (0xF8, 0x24F),       # Latin-1 and Latin extended letters
)
# Brackets NFKC keeps apart; the same table pipeline.ids uses for identifiers.
BRACKETS = {chr(k): v for k, v in sorted(_ID_BRACKETS.items())}

HAN, WORD, SEP = "h", "w", "s"


def _starts(ranges):
    return [lo for lo, _ in ranges]


_HAN_STARTS, _WORD_STARTS = _starts(HAN_RANGES), _starts(WORD_RANGES)


def _in(ranges, starts, cp: int) -> bool:
    i = bisect_right(starts, cp) - 1
    return i >= 0 and cp <= ranges[i][1]


@lru_cache(maxsize=None)
def char_class(ch: str) -> str:
    cp = ord(ch)
    if _in(HAN_RANGES, _HAN_STARTS, cp):
        return HAN
    if _in(WORD_RANGES, _WORD_STARTS, cp):
        return WORD
    return SEP


@lru_cache(maxsize=None)
def normalise_char(ch: str) -> str:
    """NFKC + lower case + bracket map of one character (may give 0..n characters)."""
    text = unicodedata.normalize("NFKC", ch).lower()
    return "".join(BRACKETS.get(c, c) for c in text)


@dataclass(frozen=True)
class Term:
    text: str
    start: int   # code point offset of the term's first character in the original string
    length: int  # code points of the original string it covers


@lru_cache(maxsize=None)
def _classified(ch: str) -> tuple[tuple[str, str], ...]:
    """(normalised char, class) pairs of one source character (cached: index builds are hot)."""
    return tuple((norm, char_class(norm)) for norm in normalise_char(ch))


def _runs(text: str):
    """Yield (class, [(normalised char, original offset), ...]) for each run of one class."""
    kind, run = None, []
    for offset, ch in enumerate(text):
        for norm, cls in _classified(ch):
            if cls != kind and run:
                yield kind, run
                run = []
            kind = cls
            run.append((norm, offset))
    if run:
        yield kind, run


def tokenize(text: str | None) -> list[Term]:
    """Split text into search terms with their offsets (see module docstring)."""
    terms: list[Term] = []
    for kind, run in _runs(text or ""):
        if kind == WORD:
            terms.append(_term(run))
        elif kind == HAN:
            if len(run) == 1:
                terms.append(_term(run))
            else:
                terms.extend(_term(run[i:i + 2]) for i in range(len(run) - 1))
    return terms


class _NormalisedTable(dict):
    """str.translate table: code point -> normalise_char, filled on first use of a character."""

    def __missing__(self, cp: int) -> str:
        value = self[cp] = normalise_char(chr(cp))
        return value


_TABLE = _NormalisedTable()


def _class_pattern(ranges) -> str:
    return "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)


_RUN = re.compile(f"([{_class_pattern(HAN_RANGES)}]+)|[{_class_pattern(WORD_RANGES)}]+")


def term_offsets(text: str) -> list[tuple[str, int]]:
    """[(term text, start offset), ...] — the same as [(t.text, t.start) for t in tokenize(text)],
    fast: when every character normalises to exactly one character (nearly always; NFKC and
    lower() never delete one), offsets in the normalised text are the original ones, so one regex
    over it finds the runs. Otherwise the character-by-character tokenize() decides."""
    normalised = text.translate(_TABLE)
    if len(normalised) != len(text):
        return [(t.text, t.start) for t in tokenize(text)]
    out: list[tuple[str, int]] = []
    for match in _RUN.finditer(normalised):
        start, run = match.start(), match.group()
        if match.group(1) is None or len(run) == 1:
            out.append((run, start))
        else:
            out.extend((run[i:i + 2], start + i) for i in range(len(run) - 1))
    return out


def _term(chars) -> Term:
    start = chars[0][1]
    return Term("".join(c for c, _ in chars), start, chars[-1][1] - start + 1)


def terms(text: str | None) -> list[str]:
    return [t.text for t in tokenize(text)]


#: metadata key of a term's start offset in its field (kept in the index for phrase checks)
POSITION_KEY = "p"


def cjk_pipeline_function(token: Token, i: int, tokens: list) -> list[Token]:
    """lunr pipeline step: one whitespace token -> its CJK terms.

    Each term gets metadata "p" = its code point offset in the field (lunr's own "position" is
    [start, length] of the whitespace token; the start alone is all a phrase check needs)."""
    base = (token.metadata.get("position") or [0, 0])[0]
    out = []
    for term in tokenize(token.string):
        metadata = dict(token.metadata)  # shallow: nothing downstream mutates the values
        metadata[POSITION_KEY] = base + term.start
        out.append(Token(term.text, metadata))
    return out


def _register() -> None:
    """Register cjk_pipeline_function with lunr under PIPELINE_LABEL, once per process.

    Pelican loads the plugin from PLUGIN_PATHS as `gongshi`; the tests and the bench import it as
    `plugins.gongshi`. A process doing both (the bench's search figures after a build, the test
    session) holds two copies of this module, and the second registration made lunr warn
    "Overwriting existing registered function gongshiCjk" on stderr. A copy finds its twin (the
    same code) registered and only takes the label register_function would have set, which
    Pipeline.add and serialisation read; a different function under the label still replaces
    it, with lunr's warning."""
    registered = Pipeline.registered_functions.get(PIPELINE_LABEL)
    if registered is not None and getattr(registered, "__code__", None) == cjk_pipeline_function.__code__:
        cjk_pipeline_function.label = PIPELINE_LABEL
        return
    Pipeline.register_function(cjk_pipeline_function, PIPELINE_LABEL)


_register()


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over the UTF-8 bytes; used to pick shards (the JS side computes the same)."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def term_shard(term: str, shards: int) -> int:
    """Index shard of a term: hash of the whole term, which keeps shards even in size (a shard per
    first character was 3x uneven: 的/行/法 start too many bigrams)."""
    return fnv1a(term) % shards


def rules_table() -> dict:
    """The rule table read by search-tokens.js (JSON-serialisable, deterministic)."""
    return {
        "version": RULES_VERSION,
        "label": PIPELINE_LABEL,
        "han": [list(r) for r in HAN_RANGES],
        "word": [list(r) for r in WORD_RANGES],
        "brackets": BRACKETS,
    }
