"""The fast search-index builder must serialise exactly like lunr.py's own Builder."""

from __future__ import annotations

import os

from lunr.builder import Builder
from lunr.pipeline import Pipeline

from plugins.gongshi import search_index as si
from plugins.gongshi import search_tokens
from plugins.gongshi.generators.search import law_docs
from plugins.gongshi.search_builder import FastBuilder, TermCache, field_terms
from plugins.gongshi.store import ContentStore

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRICKY = ["食品安全 法", "ＡＢＣ１２３ 胶市监罚〔2024〕12号", "a-b\u00a0c\td", "", "单", "Ünïcode ß 二〇二四",
          "  leading and trailing  ", "鲁B·12345 第三十条第（二）项", "𠀀𠀁 astral", "--", "x"]


def _index(builder, rows):
    """Set up `builder` like search_index.build_lunr, add `rows`, serialise."""
    fn = Pipeline.registered_functions[search_tokens.PIPELINE_LABEL]
    builder.pipeline.add(fn)
    builder.search_pipeline.add(fn)
    builder.ref("r")
    for name, boost in si.FIELDS:
        builder.field(name, boost=boost)
    builder.metadata_whitelist = [search_tokens.POSITION_KEY]
    for row in rows:
        builder.add(row)
    return builder.build().serialize()


def _reference_index(rows):
    return _index(Builder(), rows)  # lunr's own Builder: what build_lunr used before


def _fast_index(rows, cache=None):
    return _index(FastBuilder(cache), rows)


def _rows():
    rows = [{"r": si.base36(n), "t": t, "k": TRICKY[(n * 7) % len(TRICKY)] + " " + t}
            for n, t in enumerate(TRICKY * 3)]
    store = ContentStore(os.path.join(REPO, "tests", "fixtures", "content"))
    try:  # real law articles: long texts with every kind of punctuation
        docs = law_docs(store)[:400]
    except Exception:
        docs = []
    rows += [{"r": si.base36(len(rows) + n), "t": d.title, "k": " ".join(d.keys)}
             for n, d in enumerate(docs)]
    return rows


def test_fast_builder_serialises_like_lunr():
    rows = _rows()
    assert _fast_index(rows) == _reference_index(rows)


def test_field_terms_match_tokenizer_and_pipeline():
    from lunr.tokenizer import Tokenizer

    fn = Pipeline.registered_functions[search_tokens.PIPELINE_LABEL]
    for text in TRICKY:
        expected = [(str(t), t.metadata[search_tokens.POSITION_KEY])
                    for tok in Tokenizer(text) for t in fn(tok, 0, [])]
        assert list(field_terms(text)) == expected


def test_term_cache_round_trip_gives_same_index(tmp_path):
    rows = _rows()
    path = str(tmp_path / "terms.pickle")
    first = TermCache(path)
    expected = _fast_index(rows, first)
    first.save()
    again = TermCache(path)
    assert again._old, "the saved cache was not read back"
    assert _fast_index(rows, again) == expected


def test_damaged_term_cache_is_ignored(tmp_path):
    path = tmp_path / "terms.pickle"
    path.write_bytes(b"not a pickle")
    assert TermCache(str(path)).terms("食品安全") == field_terms("食品安全")
