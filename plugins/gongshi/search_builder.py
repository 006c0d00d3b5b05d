"""A faster lunr.py Builder for the search index, with the SAME serialised output.

lunr.py's Builder.add() runs the whitespace Tokenizer and the pipeline per field, making a Token
object and a metadata dict per term, and _create_field_vectors() inserts every score into a
sorted Vector by binary search. For the portal's one pipeline step (search_tokens' CJK rules)
that is most of the search generator's time. This builder computes a field's (term, position)
list directly with the same rules — memoised per text, and optionally kept on disk between builds
(TermCache), so unchanged texts such as law articles are not tokenised again — and builds each
vector in one sort. tests/test_bench_search_builder.py checks that the serialised index equals
the one lunr's own Builder makes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections import defaultdict
from importlib.metadata import version

from lunr.builder import Builder
from lunr.field_ref import FieldRef
from lunr.idf import idf as lunr_idf
from lunr.tokenizer import SEPARATOR_CHARS
from lunr.vector import Vector

from . import search_tokens

#: bump when the way terms are computed here changes (invalidates TermCache files)
CACHE_VERSION = 1


def field_terms(value) -> tuple[tuple[str, int], ...]:
    """(term, code point offset) pairs exactly as lunr's Tokenizer + the CJK pipeline step give
    them: the text is lower-cased and split on lunr's separators, then each piece is tokenised by
    search_tokens with offsets relative to the whole field."""
    if value is None:
        return ()
    string = str(value).lower()
    out: list[tuple[str, int]] = []
    start = 0
    for end in range(len(string) + 1):
        if end == len(string) or string[end] in SEPARATOR_CHARS:
            if end > start:
                out.extend((t.text, start + t.start) for t in search_tokens.tokenize(string[start:end]))
            start = end + 1
    return tuple(out)


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


class FastBuilder(Builder):
    """lunr Builder for the CJK pipeline with metadata whitelist [POSITION_KEY] (see build_lunr)."""

    def __init__(self, cache: TermCache | None = None):
        super().__init__()
        self.cache = cache or TermCache()

    def add(self, doc, attributes=None):
        doc_ref = str(doc[self._ref])
        self._documents[doc_ref] = attributes or {}
        self.document_count += 1
        keys = self.metadata_whitelist
        inverted = self.inverted_index
        for field_name in self._fields:
            terms = self.cache.terms(doc[field_name])
            field_ref = str(FieldRef(doc_ref, field_name))
            frequencies: dict[str, int] = defaultdict(int)
            self.field_term_frequencies[field_ref] = frequencies
            self.field_lengths[field_ref] = len(terms)
            for term, position in terms:
                frequencies[term] += 1
                posting = inverted.get(term)
                if posting is None:
                    posting = {name: {} for name in self._fields}
                    posting["_index"] = self.term_index
                    self.term_index += 1
                    inverted[term] = posting
                entry = posting[field_name].get(doc_ref)
                if entry is None:
                    entry = posting[field_name][doc_ref] = defaultdict(list)
                for key in keys:  # the only metadata the pipeline step adds is the position
                    entry[key].append(position)

    def _create_field_vectors(self):
        """Same scores as lunr's (BM25, rounded to 3 places), each vector built by one sort."""
        idf_cache: dict[str, float] = {}
        k1, b = self._k1, self._b
        vectors = {}
        for field_ref, frequencies in self.field_term_frequencies.items():
            ref = FieldRef.from_string(field_ref)
            length_ratio = self.field_lengths[field_ref] / self.average_field_length[ref.field_name]
            boost = self._fields[ref.field_name].boost
            doc_boost = self._documents[ref.doc_ref].get("boost", 1)
            pairs = []
            for term, tf in frequencies.items():
                posting = self.inverted_index[term]
                weight = idf_cache.get(term)
                if weight is None:
                    weight = idf_cache[term] = lunr_idf(posting, self.document_count)
                score = weight * ((k1 + 1) * tf) / (k1 * (1 - b + b * length_ratio) + tf)
                score *= boost
                score *= doc_boost
                pairs.append((posting["_index"], round(score, 3)))
            pairs.sort()
            vectors[field_ref] = Vector([x for pair in pairs for x in pair])
        self.field_vectors = vectors
