"""The direct split-index builder must write exactly the shards lunr.py's own Builder gives."""

from __future__ import annotations

import os
import random

import pytest

from plugins.gongshi import search_index as si
from plugins.gongshi import search_tokens
from plugins.gongshi.generators.search import law_docs
from plugins.gongshi.search_builder import SplitIndexBuilder, TermCache, field_terms, fnv1a_many
from plugins.gongshi.store import ContentStore

from lunr_reference import reference_index, split_serialised

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRICKY = ["食品安全 法", "ＡＢＣ１２３ 胶市监罚〔2024〕12号", "a-b\u00a0c\td", "", "单", "Ünïcode ß 二〇二四",
          "  leading and trailing  ", "鲁B·12345 第三十条第（二）项", "𠀀𠀁 astral", "--", "x",
          "İstanbul ﬁne ㈱会社", "ǅ Σσς", "食品 食品 食品安全"]


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


def _direct(rows, shards, cache=None):
    builder = SplitIndexBuilder(si.FIELDS, cache)
    for row in rows:
        builder.add(row["r"], (row["t"], row["k"]))
    return builder, list(builder.shards(shards))


@pytest.mark.parametrize("shards", [1, 3, 7])
def test_shards_equal_lunr_builder_output_cut_by_term(shards):
    rows = _rows()
    assert len(rows) > 100
    _, direct = _direct(rows, shards)
    assert direct == split_serialised(reference_index(rows).serialize(), shards)


def test_posting_count_and_document_frequencies_match_the_reference():
    rows = _rows()
    builder, _ = _direct(rows, 1)
    serialised = reference_index(rows).serialize()
    postings = sum(len(docs) for _, p in serialised["invertedIndex"]
                   for key, docs in p.items() if key != "_index")
    assert builder.posting_count() == postings
    expected = {term: len({ref for key, docs in p.items() if key != "_index" for ref in docs})
                for term, p in serialised["invertedIndex"]}
    assert builder.document_frequencies() == expected


def test_field_terms_match_tokenizer_and_pipeline():
    for text in TRICKY:
        assert list(field_terms(text)) == _lunr_terms(text)


def test_fast_term_offsets_equal_tokenize_on_random_text():
    """term_offsets' regex fast path and its fallback give what the per-character rules give."""
    alphabet = ("食品安全法第三十条 〇々ーカナ한글𠀀ＡＢＣ１２３abcXYZ09ßÜİﬁ㈱ǅΣ〔〕【】（）·-_/\u00a0\t"
                "\u0301\u200b")
    rng = random.Random(20261125)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert search_tokens.term_offsets(text) == \
            [(t.text, t.start) for t in search_tokens.tokenize(text)], repr(text)
        assert list(field_terms(text)) == _lunr_terms(text), repr(text)


def _lunr_terms(text):
    """(term, position) as lunr's Tokenizer and the registered CJK pipeline step give them."""
    from lunr.pipeline import Pipeline
    from lunr.tokenizer import Tokenizer

    fn = Pipeline.registered_functions[search_tokens.PIPELINE_LABEL]
    return [(str(t), t.metadata[search_tokens.POSITION_KEY])
            for tok in Tokenizer(text) for t in fn(tok, 0, [])]


def test_fnv1a_many_equals_fnv1a():
    terms = ["", "a", "食品", "x" * 300, "91370281MA3C", "ß", "𠀀𠀁"]
    assert fnv1a_many(terms).tolist() == [search_tokens.fnv1a(t) for t in terms]


def test_term_cache_round_trip_gives_same_shards(tmp_path):
    rows = _rows()
    path = str(tmp_path / "terms.pickle")
    first = TermCache(path)
    _, expected = _direct(rows, 3, first)
    first.save()
    again = TermCache(path)
    assert again.old, "the saved cache was not read back"
    assert _direct(rows, 3, again)[1] == expected


def test_shard_texts_are_the_json_of_shards_and_the_cache_only_saves_work(tmp_path):
    import json

    from plugins.gongshi.search_builder import ShardCache

    rows = _rows()
    builder, shards = _direct(rows, 4)
    plain = list(builder.shard_texts(4))
    assert [json.loads(t) for t in plain] == shards
    assert plain[0] == json.dumps(shards[0], ensure_ascii=False, separators=(",", ":"))

    path = str(tmp_path / "shards.pickle")
    first = ShardCache(path)
    assert list(builder.shard_texts(4, first)) == plain
    first.save()
    # same input: every shard comes from the cache (poison the cached texts to prove it)
    again = ShardCache(path)
    again.old = {k: "cached:" + v for k, v in again.old.items()}
    assert all(t.startswith("cached:") for t in builder.shard_texts(4, again))
    # one document's indexed text changed: its shards are made again, correctly
    changed = [dict(r) for r in rows]
    changed[5]["k"] += " 新增词语"
    builder2, shards2 = _direct(changed, 4)
    third = ShardCache(path)
    third.old = {k: "cached:" + v for k, v in third.old.items()}
    texts = list(builder2.shard_texts(4, third))
    fresh = [t for t in texts if not t.startswith("cached:")]
    assert fresh, "a changed document must change some shard"
    for n, text in enumerate(texts):
        if not text.startswith("cached:"):
            assert json.loads(text) == shards2[n]


def _search_docs(extra_text: str = "", extra_title: str = "") -> list:
    return [si.SearchDoc("penalty" if n % 2 else "permit", f"r-{n:03d}", f"/x/r-{n:03d}/",
                         t + (extra_title if n == 3 else ""),
                         keys=[TRICKY[(n * 5) % len(TRICKY)], "胶市监罚〔2024〕%d号" % n],
                         text="stored " + t + (extra_text if n == 3 else ""), body=f"b{n % 3}",
                         identifiers=["胶市监罚〔2024〕%d号" % n])
            for n, t in enumerate(TRICKY * 2)]


def _files_of(root) -> dict:
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, root)] = fh.read()
    return out


def test_index_cache_keeps_shards_only_while_the_indexed_texts_stand(tmp_path):
    """With the render cache, unchanged indexed texts (a stored-only change) keep last build's
    shard files without tokenising or scoring anything; a changed title rebuilds the index. Both
    give exactly the files of an uncached build."""
    from plugins.gongshi import render_cache
    from plugins.gongshi.search_builder import IndexCache, ShardCache

    class Env:  # what PageCache reads for its stamp
        loader = type("L", (), {"searchpath": []})()
        globals: dict = {}

    out, folder = str(tmp_path / "out"), str(tmp_path / "cache")
    made = []

    def build(docs):
        cache = render_cache.PageCache(folder, Env(), out)
        cache.keep_previous_output()
        cache.restore_previous_output()

        def terms():
            made.append("terms")
            return TermCache(os.path.join(folder, "terms.pickle"))

        def shards():
            made.append("shards")
            return ShardCache(os.path.join(folder, "shards.pickle"))

        index = IndexCache(os.path.join(folder, "index.pickle"))
        si.write_search_files(docs, out, {}, terms, shards, files=cache, index_cache=index)
        index.save()
        cache.save()
        clean = str(tmp_path / f"clean{len(made)}")
        si.write_search_files(docs, clean, {})
        assert _files_of(out) == _files_of(clean)
        return cache

    build(_search_docs())
    assert made == ["terms", "shards"]
    made.clear()
    shard_file = os.path.join(out, "search", "i", "0.json")
    inode = os.stat(shard_file).st_ino
    cache = build(_search_docs(extra_text=" 更正"))  # stored-only text changed
    assert made == [], "the index was rebuilt though no indexed text changed"
    assert os.stat(shard_file).st_ino == inode  # kept in place
    assert cache.files_reused > 0 and cache.files_written > 0  # the doc store chunk changed
    build(_search_docs(extra_text=" 更正", extra_title="（更正）"))  # an indexed text changed
    assert made == ["terms", "shards"]
