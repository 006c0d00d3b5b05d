"""Search index builder: shards are valid lunr indexes that together answer like one index;
doc store, identifier map and segments line up; only published content is indexed."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil

import pytest
from lunr.index import Index
from lunr.query import QueryPresence

from plugins.gongshi import search_index as si
from plugins.gongshi import search_tokens as st
from plugins.gongshi.generators.search import search_documents
from plugins.gongshi.store import ContentStore

from lunr_reference import doc_rows, reference_index

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE_CONTENT = os.path.join(REPO, "tests", "fixtures", "content")
FIXTURE_EXPORTS = os.path.join(REPO, "tests", "fixtures", "exports")


def sample_docs() -> list[si.SearchDoc]:
    return [
        si.SearchDoc("penalty", "cf-1", "/penalties/cf-1/", "青岛甲食品有限公司",
                     keys=["胶市监罚〔2024〕12号", "生产经营不符合食品安全标准的食品", "罚款"],
                     body="b1", identifiers=["胶市监罚〔2024〕12号", "91370281MA3CQ12345"]),
        si.SearchDoc("penalty", "cf-2", "/penalties/cf-2/", "胶州乙商贸有限公司",
                     keys=["胶市监罚〔2024〕13号", "安全食品标签", "警告"], body="b1",
                     identifiers=["胶市监罚〔2024〕13号"]),
        si.SearchDoc("agency", "b1", "/agencies/b1/", "胶州市市场监督管理局",
                     keys=["11370281004200001A"], body="b1", identifiers=["11370281004200001A"]),
        si.SearchDoc("agency", "b2", "/agencies/b2/", "胶州市应急管理局", keys=[], body="b2"),
        si.SearchDoc("law", "law-x-1", "/laws/law-x/#art-1", "食品安全法 第一条",
                     keys=["为了保证食品安全，保障公众身体健康和生命安全，制定本法。"],
                     text="为了保证食品安全，保障公众身体健康和生命安全，制定本法。"),
        si.SearchDoc("permit", "xk-1", "/permits/xk-1/", "<img src=x onerror=alert(1)>",
                     keys=["胶市监许〔2024〕1号"], body="b2"),
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("search-out"))
    manifest = si.write_search_files(sample_docs(), out, {"b1": "市场监管局", "b2": "应急局"})
    return out, manifest


def load(out, rel):
    with open(os.path.join(out, si.SEARCH_DIR, rel), encoding="utf-8") as fh:
        return json.load(fh)


def query_full(docs, text):
    """Reference: the unsplit index, every term of the text required."""
    idx = reference_index(doc_rows(si.order_docs(docs)))
    terms = sorted(set(st.terms(text)))
    q = idx.create_query()
    for t in terms:
        q.term(t, presence=QueryPresence.REQUIRED, use_pipeline=False)
    return {r["ref"] for r in idx.query(q)}


def query_shards(out, manifest, text):
    """What search.js does: per shard, its terms REQUIRED; intersect the ref sets."""
    groups: dict[int, list[str]] = {}
    for t in sorted(set(st.terms(text))):
        groups.setdefault(st.term_shard(t, manifest["shards"]), []).append(t)
    refs = None
    for n, terms in groups.items():
        idx = Index.load(load(out, f"i/{n}.json"))
        q = idx.create_query()
        for t in terms:
            q.term(t, presence=QueryPresence.REQUIRED, use_pipeline=False)
        found = {r["ref"] for r in idx.query(q)}
        refs = found if refs is None else refs & found
    return refs or set()


@pytest.mark.parametrize("text", ["食品", "食品安全", "胶市监罚〔2024〕12号", "胶州", "公司 罚款",
                                  "不存在的词", "2024"])
def test_shards_answer_like_one_index(built, text):
    out, manifest = built
    assert query_shards(out, manifest, text) == query_full(sample_docs(), text)


def test_small_shard_target_really_splits(tmp_path, monkeypatch):
    monkeypatch.setattr(si, "SHARD_TARGET_BYTES", 200)
    manifest = si.write_search_files(sample_docs(), str(tmp_path), {})
    assert manifest["shards"] > 3
    for text in ("食品安全", "胶州市", "公司 罚款"):
        assert query_shards(str(tmp_path), manifest, text) == query_full(sample_docs(), text)
        assert query_full(sample_docs(), text)


def test_every_shard_loads_in_lunr_and_keeps_positions(built):
    out, manifest = built
    for n in range(manifest["shards"]):
        data = load(out, f"i/{n}.json")
        assert data["pipeline"] == [st.PIPELINE_LABEL]
        Index.load(data)
        for term, posting in data["invertedIndex"]:
            assert st.term_shard(term, manifest["shards"]) == n
            for field in manifest["fields"]:
                for meta in posting[field].values():
                    assert meta["p"] and all(isinstance(p, int) for p in meta["p"])


def _doc_rows(out, manifest):
    rows = []
    for c in range(0, manifest["docs"], manifest["chunk"]):
        rows.extend(load(out, f"d/{c // manifest['chunk']}.json"))
    return rows


def test_segments_and_doc_store_line_up(built):
    out, manifest = built
    rows = _doc_rows(out, manifest)
    assert len(rows) == manifest["docs"] == len(sample_docs())
    by_id = {d.id: d for d in sample_docs()}
    kinds = [k for k, _ in manifest["kinds"]]
    for start, count, kind, body in manifest["segments"]:
        for n in range(start, start + count):
            doc = by_id[rows[n][0]]
            assert doc.kind == kinds[kind]
            assert (doc.body or None) == (manifest["bodies"][body][0] if body >= 0 else None)
            assert rows[n][1] == doc.url and rows[n][2] == doc.title
    assert [k for k, _ in manifest["kinds"]][manifest["segments"][0][2]] == "agency"


def test_identifier_map_normalises(built):
    out, manifest = built
    from pipeline.ids import normalise_identifier

    for raw, url in (("胶市监罚［２０２４］１２号", "/penalties/cf-1/"),
                     ("91370281ma3cq12345", "/penalties/cf-1/"),
                     ("11370281004200001A", "/agencies/b1/")):
        ident = normalise_identifier(raw)
        part = load(out, f"x/{st.fnv1a(ident) % manifest['idShards']}.json")
        assert [e[1] for e in part[ident]] == [url]


def test_output_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    si.write_search_files(sample_docs(), str(a), {})
    si.write_search_files(list(reversed(sample_docs())), str(b), {})
    assert si.file_sizes(str(a)) == si.file_sizes(str(b))
    for rel in si.file_sizes(str(a)):
        assert (a / "search" / rel).read_bytes() == (b / "search" / rel).read_bytes()


def test_documents_cover_every_kind_of_the_fixture_tree(tmp_path):
    store = ContentStore(FIXTURE_CONTENT)
    docs = search_documents(store)
    kinds = {d.kind for d in docs}
    assert {"agency", "matter", "procedure", "penalty", "permit"} <= kinds
    ids = {d.id for d in docs}
    for kind in ("agencies", "matters", "penalties", "permits", "procedures"):
        assert {r["id"] for r in store.records(kind)} <= ids
    # withdrawal notices carry no party details and are not search results
    assert not {r["id"] for r in store.records("withdrawals")} & ids


def _search_ids(content_dir, out):
    manifest = si.write_search_files(search_documents(ContentStore(content_dir, laws_dir=out)), out, {})
    return {row[0] for row in _doc_rows(out, manifest)}, manifest


def _idents(out, manifest):
    found = set()
    for n in range(manifest["idShards"]):
        found |= set(load(out, f"x/{n}.json"))
    return found


def test_expired_records_are_not_indexed(tmp_path, monkeypatch):
    """Pull the fixture exports at two as-of dates: what the later content tree drops (expired,
    withdrawn) is in no search file of the later build."""
    from pipeline.pull import pull

    monkeypatch.setenv("GONGSHI_CODE_SECRET", "search-test-secret-0123456789")
    trees = {}
    for as_of in ("2024-06-01", "2031-01-01"):
        content = tmp_path / as_of / "content"
        try:
            pull(FIXTURE_EXPORTS, as_of=dt.date.fromisoformat(as_of), content_dir=str(content),
                 codes_path=str(tmp_path / as_of / "codes.csv"), progress=False)
        except ImportError as exc:  # the publication rules module lands separately
            pytest.skip(f"pipeline pull not complete yet: {exc}")
        out = str(tmp_path / as_of / "out")
        os.makedirs(out)
        ids, manifest = _search_ids(str(content), out)
        trees[as_of] = (ContentStore(str(content)), ids, out, manifest)
    early_store, early_ids, _, _ = trees["2024-06-01"]
    late_store, late_ids, late_out, late_manifest = trees["2031-01-01"]
    late_idents = _idents(late_out, late_manifest)
    gone = {}
    for kind, ident_field in (("penalties", "decision_no"), ("permits", "decision_no"),
                              ("blacklist", "authority_doc_no")):
        late = {r["id"] for r in late_store.records(kind)}
        gone.update({r["id"]: r[ident_field] for r in early_store.records(kind) if r["id"] not in late})
    assert gone, "the fixture exports should have records that expire between the two dates"
    assert set(gone) <= early_ids
    assert not set(gone) & late_ids
    from pipeline.ids import normalise_identifier
    for ident in gone.values():
        assert normalise_identifier(ident) not in late_idents


def test_every_search_link_resolves(fixture_site):
    """Each URL in the doc store and identifier map is a rendered page (and anchor)."""
    out = fixture_site.output_dir
    manifest = load(out, "manifest.json")
    targets = [row[1] for row in _doc_rows(out, manifest)]
    for n in range(manifest["idShards"]):
        targets += [entry[1] for entries in load(out, f"x/{n}.json").values() for entry in entries]
    pages: dict[str, str] = {}
    for url in sorted(set(targets)):
        path, _, anchor = url.partition("#")
        file = os.path.join(out, path.lstrip("/"), "index.html")
        assert os.path.exists(file), url
        if anchor:
            if file not in pages:
                with open(file, encoding="utf-8") as fh:
                    pages[file] = fh.read()
            assert f'id="{anchor}"' in pages[file], url


def test_frequent_terms_listed_most_frequent_first(monkeypatch):
    monkeypatch.setattr(si, "FREQUENT_MIN_DF", 2)
    monkeypatch.setattr(si, "FREQUENT_SHARE", 3)
    docs = sample_docs()
    df: dict[str, int] = {}
    for doc in docs:
        for term in set(st.terms(" ".join([doc.title, *doc.keys]))):
            df[term] = df.get(term, 0) + 1
    expected = [t for _, t in sorted((-n, t) for t, n in df.items() if n >= 2)]
    assert si.frequent_terms(si.build_index(si.order_docs(docs))) == expected
    assert "有限" in expected and "onerror" not in expected
