"""Build the portal's split lunr index directly, without lunr.py's Builder.

The search files are N lunr indexes cut by term (search_index.py). lunr.py's Builder would make one
index object (a Token and a metadata dict per term, a sorted Vector per field, a TokenSet of all
terms), serialise it and then cut it; at ~10,000 documents that was most of the build's search
time. SplitIndexBuilder keeps only what the serialised shards contain — per term its first-seen
index and per field {doc ref: [positions]}, per (doc, field) its length and term frequencies — and
writes each shard's lunr JSON structure straight away, with lunr's BM25 scores computed in the same
float operations in the same order. tests/test_bench_search_builder.py checks that the shards equal
lunr's own Builder output cut by term.

Terms of a field are memoised per text and optionally kept on disk between builds (TermCache), so
unchanged texts such as law articles are not tokenised again.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import tempfile
from importlib.metadata import version

import numpy as np
from lunr import __TARGET_JS_VERSION__

from . import search_tokens

#: bump when the way terms are computed here changes (invalidates TermCache files)
CACHE_VERSION = 1
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


class TermCache:
    """{text digest: field_terms(text)}; loaded from and saved to `path` when one is given.

    Keyed by the token rules and lunr version too, so a rule change never reuses old terms. Only
    entries used by this build are saved, so the file does not grow with old texts."""

    def __init__(self, path: str | None = None):
        self.path = path
        self._old: dict[bytes, tuple] = {}
        self._used: dict[bytes, tuple] = {}
        if path and os.path.exists(path):
            try:
                with open(path, "rb") as fh:
                    stamp, entries = pickle.load(fh)
                if stamp == self.stamp():
                    self._old = entries
            except Exception:  # a damaged cache is only a slower build
                self._old = {}

    @staticmethod
    def stamp() -> tuple:
        return (CACHE_VERSION, search_tokens.RULES_VERSION, version("lunr"),
                hashlib.sha256(repr(search_tokens.rules_table()).encode()).hexdigest())

    def terms(self, text) -> tuple[tuple[str, int], ...]:
        key = hashlib.blake2b(str(text).encode("utf-8"), digest_size=16).digest() \
            if text is not None else b""
        found = self._used.get(key)
        if found is None:
            found = self._old.get(key)
            if found is None:
                found = field_terms(text)
            self._used[key] = found
        return found

    def save(self) -> None:
        if not self.path:
            return
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".search-terms-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((self.stamp(), self._used), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.path)


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

    What is kept: per term its lunr `_index` (order of first sight) and, per field, the
    {doc ref: {"p": [positions]}} map exactly as it is serialised; per (doc, field) "vector" its
    name and length; per term occurrence its (vector, term index) pair, from which numpy
    derives term frequencies, document frequencies and every BM25 score at the end."""

    def __init__(self, fields, cache: TermCache | None = None):
        self.fields = tuple(fields)
        self.cache = cache or TermCache()
        self.doc_count = 0
        self._index: dict[str, int] = {}                   # term -> lunr "_index" (first seen)
        self._postings: list[tuple[dict, ...]] = []        # by _index: per field {ref: {"p": []}}
        self._vector_refs: list[str] = []                  # "field/ref" per (doc, field)
        self._vector_fields: list[int] = []
        self._vector_lengths: list[int] = []
        self._occurrence_terms: list[int] = []             # _index of every term occurrence
        self._occurrence_counts: list[int] = []            # occurrences per vector
        self._pairs = None                                 # (vector, term, tf), made once

    def add(self, ref: str, texts) -> None:
        self.doc_count += 1
        index, postings, nfields = self._index, self._postings, len(self.fields)
        key = search_tokens.POSITION_KEY
        occurrences = self._occurrence_terms
        for field_no, text in enumerate(texts):
            terms = self.cache.terms(text)
            for term, position in terms:
                term_index = index.get(term)
                if term_index is None:
                    term_index = index[term] = len(postings)
                    postings.append(tuple({} for _ in range(nfields)))
                occurrences.append(term_index)
                docs = postings[term_index][field_no]
                metadata = docs.get(ref)
                if metadata is None:
                    docs[ref] = {key: [position]}
                else:
                    metadata[key].append(position)
            self._vector_refs.append(f"{self.fields[field_no][0]}/{ref}")
            self._vector_fields.append(field_no)
            self._vector_lengths.append(len(terms))
            self._occurrence_counts.append(len(terms))
        self._pairs = None

    def _term_frequencies(self):
        """(vector, term index, tf) arrays of every distinct (vector, term), sorted by vector then
        term index — the order of a lunr Vector's entries."""
        if self._pairs is None:
            vectors = np.repeat(np.arange(len(self._vector_refs), dtype=np.int64),
                                self._occurrence_counts)
            keys = (vectors << 32) | np.array(self._occurrence_terms, dtype=np.int64)
            unique, counts = np.unique(keys, return_counts=True)
            self._pairs = (unique >> 32, unique & 0xFFFFFFFF, counts)
        return self._pairs

    def posting_count(self) -> int:
        """(term, field, document) postings in the index (sizes the shards)."""
        return len(self._term_frequencies()[0])

    def document_frequencies(self) -> dict[str, int]:
        """term -> number of documents containing it in any field."""
        return {term: len(per_field[0]) if len(per_field) == 1 else len(set().union(*per_field))
                for term, per_field in zip(self._index, self._postings)}

    def shards(self, count: int) -> list[dict]:
        """The index cut into `count` lunr indexes by search_tokens.term_shard: each holds its terms'
        postings and, per field vector, only the entries of its terms (see search_index.py)."""
        names = [name for name, _ in self.fields]
        parts = [{"version": __TARGET_JS_VERSION__, "fields": names, "fieldVectors": [],
                  "invertedIndex": [], "pipeline": [search_tokens.PIPELINE_LABEL]}
                 for _ in range(count)]
        terms = list(self._index)  # in _index order
        shard_of = (fnv1a_many(terms) % count).astype(np.int64) if terms else np.zeros(0, np.int64)
        shard_list = shard_of.tolist()
        for term in sorted(terms):
            term_index = self._index[term]
            entry = dict(zip(names, self._postings[term_index]))
            entry["_index"] = term_index
            parts[shard_list[term_index]]["invertedIndex"].append([term, entry])
        self._add_vectors(parts, shard_of)
        return parts

    def _add_vectors(self, parts: list[dict], shard_of: np.ndarray) -> None:
        """BM25 scores as lunr.Builder._create_field_vectors computes them (the same float
        operations in the same order, so the same doubles), rounded like Vector.serialize; each
        vector in term-index order, cut by shard."""
        vector, term, tf = self._term_frequencies()
        if not len(vector):
            return
        n = self.doc_count
        df = np.bincount(term, minlength=len(self._index)).tolist()  # lunr.idf: per field
        idf = np.array([math.log(1 + abs((n - d + 0.5) / (d + 0.5))) for d in df])
        lengths = np.array(self._vector_lengths, dtype=np.float64)
        fields = np.array(self._vector_fields, dtype=np.int64)
        sums = np.bincount(fields, weights=lengths, minlength=len(self.fields))
        averages = np.array([total / n for total in sums.tolist()])
        norm = K1 * (1 - B + B * (lengths / averages[fields]))
        boost = np.array([float(b) for _, b in self.fields])[fields]
        tf = tf.astype(np.float64)
        score = idf[term] * ((K1 + 1) * tf) / (norm[vector] + tf)
        score = score * boost[vector]
        shard = shard_of[term]
        order = np.argsort(shard, kind="stable")  # by shard; vector and term order kept
        flat: list = [None] * (2 * len(order))
        flat[0::2] = term[order].tolist()
        flat[1::2] = [round(x, 3) for x in score[order].tolist()]  # Python's round, as lunr's
        group_vector, group_shard = vector[order], shard[order]
        # a group = one vector's entries in one shard (mostly a single entry: terms scatter)
        starts = np.flatnonzero(np.r_[True, (np.diff(group_vector) != 0) | (np.diff(group_shard) != 0)])
        ends = np.r_[starts[1:], len(order)] * 2
        refs = self._vector_refs
        rows = [[refs[v], flat[a:b]] for v, a, b in
                zip(group_vector[starts].tolist(), (starts * 2).tolist(), ends.tolist())]
        bounds = np.searchsorted(group_shard[starts], np.arange(len(parts) + 1)).tolist()
        for shard_no, part in enumerate(parts):
            part["fieldVectors"] = rows[bounds[shard_no]:bounds[shard_no + 1]]
