"""Build the portal's split lunr index directly, without lunr.py's Builder.

The search files are N lunr indexes cut by term (search_index.py). lunr.py's Builder would make one
index object (a Token and a metadata dict per term occurrence, a sorted Vector per field, a
TokenSet of all terms), serialise it and then cut it: at ~10,000 documents that was most of the
build's search time and ~0.5 GB of memory, growing with the data. SplitIndexBuilder keeps each
term occurrence as three integers in compact arrays (term, field vector, position) and, per shard,
makes only that shard's lunr JSON structure, with lunr's BM25 scores computed by numpy in the same
float operations in the same order. tests/test_bench_search_builder.py checks that the shards
equal lunr's own Builder output cut by term.

Terms of a field are memoised per text and optionally kept on disk between builds (TermCache), so
unchanged texts such as law articles are not tokenised again.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from array import array
from importlib.metadata import version

import numpy as np
from lunr import __TARGET_JS_VERSION__

from . import search_tokens
from .render_cache import PickledEntries

#: bump when the way terms are computed here changes (invalidates TermCache files)
CACHE_VERSION = 2
#: lunr's BM25 parameters (lunr.Builder defaults, which the portal never changes)
K1, B = 1.2, 0.75

def field_terms(value) -> tuple[tuple[str, int], ...]:
    """(term, code point offset) pairs exactly as lunr's Tokenizer + the CJK pipeline step give
    them: lunr lower-cases the text and splits it on its separators, then the step tokenises each
    piece with offsets relative to the whole field. Every lunr separator (space, tab, newline,
    no-break space, "-") is a separator of search_tokens too, so tokenising the whole lower-cased
    text gives the same terms at the same offsets in one pass."""
    if value is None:
        return ()
    return tuple(search_tokens.term_offsets(str(value).lower()))


def _code_digest() -> str:
    """sha256 of the search modules' source: any change of how terms, scores or shards are made
    invalidates every search cache (not only a bump of CACHE_VERSION)."""
    digest = hashlib.sha256()
    folder = os.path.dirname(os.path.abspath(__file__))
    for name in ("search_builder.py", "search_index.py", "search_tokens.py"):
        with open(os.path.join(folder, name), "rb") as fh:
            digest.update(hashlib.sha256(fh.read()).digest())
    return digest.hexdigest()


class DigestCache(PickledEntries):
    """{digest: value} in a private pickle (render_cache.PickledEntries), stamped with the token
    rules, the lunr version, this module's CACHE_VERSION and the search code, so a rule or code
    change never reuses old values. Saved by the search index process itself (it runs in a
    child, see background.py)."""

    def __init__(self, path: str | None = None):
        super().__init__(path, stamp=(type(self).__name__, CACHE_VERSION,
                                      search_tokens.RULES_VERSION, version("lunr"),
                                      hashlib.sha256(repr(search_tokens.rules_table()).encode())
                                      .hexdigest(), _code_digest()))


class TermCache(DigestCache):
    """{text digest: (terms joined by spaces, positions as int32 bytes)}, i.e. field_terms(text)
    in a compact form (a tuple of tuples costs ~10x the memory). Terms never contain a space
    (it separates terms)."""

    def terms(self, text) -> tuple[list[str], list[int]]:
        """(terms, positions) of field_terms(text)."""
        key = hashlib.blake2b(str(text).encode("utf-8"), digest_size=16).digest() \
            if text is not None else b""
        found = self.get(key)
        if found is None:
            pairs = field_terms(text)
            found = (" ".join(t for t, _ in pairs), array("i", [p for _, p in pairs]).tobytes())
            self.put(key, found)
        joined, positions = found
        return (joined.split(" ") if joined else []), array("i", positions).tolist()


class ShardCache(DigestCache):
    """{digest of a shard's inputs: its JSON text}: an incremental build whose change leaves a
    shard's postings and scores as they were copies the text instead of making it again."""


class IndexCache(DigestCache):
    """{search_index.index_key(docs): (shard count, sha256 of each shard file, frequent terms)}:
    lets a build whose indexed texts are unchanged keep last build's shard files as they are."""


def fnv1a_many(terms: list[str]) -> np.ndarray:
    """search_tokens.fnv1a of every term (uint64 array), a byte column at a time per length."""
    encoded = [t.encode("utf-8") for t in terms]
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    out = np.empty(len(encoded), dtype=np.uint64)
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        data = np.frombuffer(b"".join(encoded[i] for i in rows), dtype=np.uint8)
        data = data.reshape(len(rows), int(length)).astype(np.uint64)
        h = np.full(len(rows), 0x811C9DC5, dtype=np.uint64)
        for column in range(int(length)):  # (h ^ byte) * prime stays below 2^57: no overflow
            h = ((h ^ data[:, column]) * np.uint64(0x01000193)) & np.uint64(0xFFFFFFFF)
        out[rows] = h
    return out


class SplitIndexBuilder:
    """lunr index over documents added in order, serialised straight into shards by term.

    `fields` is ((name, boost), ...); every document gives one text per field; the metadata kept
    per occurrence is its position (search_tokens.POSITION_KEY), like the CJK pipeline step.
    Field vector v is field v % len(fields) of document v // len(fields)."""

    def __init__(self, fields, cache: TermCache | None = None):
        self.fields = tuple(fields)
        self.cache = cache or TermCache()
        self._index: dict[str, int] = {}      # term -> lunr "_index" (order of first sight)
        self._refs: list[str] = []            # doc refs in order
        self._terms = array("i")              # per occurrence: term index
        self._positions = array("i")          # per occurrence: position in its field
        self._counts = array("i")             # per field vector: occurrences (= field length)
        self._tables = None                   # numpy views, made once after the last add()

    @property
    def doc_count(self) -> int:
        return len(self._refs)

    def add(self, ref: str, texts) -> None:
        self._refs.append(ref)
        index = self._index
        for text in texts:
            terms, positions = self.cache.terms(text)
            for term in terms:
                if term not in index:
                    index[term] = len(index)
            self._terms.extend([index[t] for t in terms])
            self._positions.extend(positions)
            self._counts.append(len(terms))
        self._tables = None

    def _arrays(self) -> dict:
        """Occurrences and distinct (vector, term) pairs as numpy arrays (made once)."""
        if self._tables is None:
            counts = np.frombuffer(self._counts, dtype=np.int32).astype(np.int64)
            vectors = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
            terms = np.frombuffer(self._terms, dtype=np.int32).astype(np.int64)
            pairs, tf = np.unique((vectors << 32) | terms, return_counts=True)
            self._tables = {"vector": vectors, "term": terms, "lengths": counts,
                            "pair_vector": pairs >> 32, "pair_term": pairs & 0xFFFFFFFF, "tf": tf}
        return self._tables

    def posting_count(self) -> int:
        """(term, field, document) postings in the index (sizes the shards)."""
        return len(self._arrays()["tf"])

    def document_frequencies(self) -> dict[str, int]:
        """term -> number of documents containing it in any field."""
        t = self._arrays()
        docs = t["pair_vector"] // len(self.fields)
        distinct = np.unique((docs << 32) | t["pair_term"]) & 0xFFFFFFFF
        counts = np.bincount(distinct, minlength=len(self._index)).tolist()
        return dict(zip(self._index, counts))

    def shards(self, count: int):
        """Yield the index cut into `count` lunr indexes by search_tokens.term_shard, shard by
        shard: each holds its terms' postings and, per field vector, only the entries of its
        terms (see search_index.py). Only one shard's Python objects exist at a time."""
        layout = self._layout(count)
        for shard_no in range(count):
            yield self._shard(layout, shard_no)

    def shard_texts(self, count: int, cache: ShardCache | None = None):
        """Yield each shard of shards() as compact JSON text. With a cache, a shard whose inputs
        (its postings, its exact scores, the term and ref names) are the same as in an earlier
        build is not made again."""
        layout = self._layout(count)
        for shard_no in range(count):
            key = self._shard_digest(layout, shard_no) if cache is not None else None
            text = cache.get(key) if key else None
            if text is None:
                text = json.dumps(self._shard(layout, shard_no), ensure_ascii=False,
                                  separators=(",", ":"))
                if key:
                    cache.put(key, text)
            yield text

    def _layout(self, count: int) -> dict:
        terms = list(self._index)  # in _index order
        shard_of = (fnv1a_many(terms) % count).astype(np.int64) if terms else np.zeros(0, np.int64)
        rank = np.empty(len(terms), dtype=np.int64)
        by_name = sorted(range(len(terms)), key=terms.__getitem__)
        rank[by_name] = np.arange(len(terms))
        names = "\x00".join(f"{name}={boost}" for name, boost in self.fields)
        base = hashlib.sha256(f"{count}\x01{names}\x01".encode("utf-8"))
        for part in ("\x00".join(terms), "\x00".join(self._refs)):
            base.update(part.encode("utf-8") + b"\x01")
        return {"terms": terms, "inverted": self._inverted_order(shard_of, rank),
                "vectors": self._vector_entries(shard_of), "digest": base}

    def _shard(self, layout: dict, shard_no: int) -> dict:
        return {"version": __TARGET_JS_VERSION__, "fields": [name for name, _ in self.fields],
                "fieldVectors": self._shard_vectors(layout["vectors"], shard_no),
                "invertedIndex": self._shard_inverted(layout["inverted"], shard_no,
                                                      layout["terms"]),
                "pipeline": [search_tokens.PIPELINE_LABEL]}

    @staticmethod
    def _shard_digest(layout: dict, shard_no: int) -> bytes:
        digest = layout["digest"].copy()
        digest.update(f"{__TARGET_JS_VERSION__}\x01{shard_no}\x01".encode("ascii"))
        for table in (layout["inverted"], layout["vectors"]):
            start, end = table["bounds"][shard_no], table["bounds"][shard_no + 1]
            for name in sorted(k for k in table if k != "bounds"):
                digest.update(np.ascontiguousarray(table[name][start:end]).tobytes())
        return digest.digest()

    def _inverted_order(self, shard_of: np.ndarray, rank: np.ndarray) -> dict:
        """Occurrences sorted by (shard, term name, field, doc, occurrence order)."""
        t = self._arrays()
        nfields = len(self.fields)
        term, vector = t["term"], t["vector"]
        order = np.lexsort((np.arange(len(term)), vector // nfields, vector % nfields,
                            rank[term], shard_of[term]))
        shard = shard_of[term][order]
        return {"term": term[order], "vector": vector[order],
                "position": np.frombuffer(self._positions, dtype=np.int32)[order],
                "bounds": np.searchsorted(shard, np.arange(len(shard_of) + 1)).tolist()}

    def _shard_inverted(self, inverted: dict, shard_no: int, terms: list[str]) -> list:
        """[[term, {field: {ref: {"p": [positions]}}, ..., "_index": n}], ...] of one shard."""
        start, end = inverted["bounds"][shard_no], inverted["bounds"][shard_no + 1]
        names, nfields, refs = [name for name, _ in self.fields], len(self.fields), self._refs
        key = search_tokens.POSITION_KEY
        out: list = []
        last_term = last_vector = -1
        fields = positions = None
        for term, vector, position in zip(inverted["term"][start:end].tolist(),
                                          inverted["vector"][start:end].tolist(),
                                          inverted["position"][start:end].tolist()):
            if term != last_term:
                fields = [{} for _ in names]
                entry = dict(zip(names, fields))
                entry["_index"] = term
                out.append([terms[term], entry])
                last_term, last_vector = term, -1
            if vector != last_vector:
                positions = []
                fields[vector % nfields][refs[vector // nfields]] = {key: positions}
                last_vector = vector
            positions.append(position)
        return out

    def _vector_entries(self, shard_of: np.ndarray) -> dict:
        """BM25 score of every distinct (vector, term) as lunr.Builder._create_field_vectors
        computes it (the same float operations in the same order, so the same doubles), sorted
        by shard, then vector, then term index (a lunr Vector's order)."""
        t = self._arrays()
        vector, term, tf = t["pair_vector"], t["pair_term"], t["tf"].astype(np.float64)
        n = self.doc_count
        df = np.bincount(term, minlength=len(self._index)).tolist()  # lunr.idf: per field
        idf = np.array([math.log(1 + abs((n - d + 0.5) / (d + 0.5))) for d in df])
        nfields = len(self.fields)
        lengths = t["lengths"].astype(np.float64)
        field_of = np.arange(len(lengths)) % nfields
        sums = np.bincount(field_of, weights=lengths, minlength=nfields)
        averages = np.array([total / n if n else 1.0 for total in sums.tolist()])
        norm = K1 * (1 - B + B * (lengths / averages[field_of]))
        boost = np.array([float(b) for _, b in self.fields])[field_of]
        score = idf[term] * ((K1 + 1) * tf) / (norm[vector] + tf)
        score = score * boost[vector]
        shard = shard_of[term]
        order = np.argsort(shard, kind="stable")  # pairs are already by vector, then term
        return {"vector": vector[order], "term": term[order], "score": score[order],
                "bounds": np.searchsorted(shard[order], np.arange(len(shard_of) + 1)).tolist()}

    def _shard_vectors(self, vectors: dict, shard_no: int) -> list:
        """[["field/ref", [term index, score, ...]], ...] of one shard, in vector order."""
        start, end = vectors["bounds"][shard_no], vectors["bounds"][shard_no + 1]
        names, nfields, refs = [name for name, _ in self.fields], len(self.fields), self._refs
        out: list = []
        last = -1
        entries = None
        for vector, term, score in zip(vectors["vector"][start:end].tolist(),
                                       vectors["term"][start:end].tolist(),
                                       vectors["score"][start:end].tolist()):
            if vector != last:
                entries = []
                out.append([f"{names[vector % nfields]}/{refs[vector // nfields]}", entries])
                last = vector
            entries.append(term)
            entries.append(round(score, 3))  # Python's round, as lunr's Vector.serialize
        return out
