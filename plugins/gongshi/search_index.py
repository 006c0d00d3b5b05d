"""Build the portal's search files: a lunr index split by term, a small doc store, an ID map.

Why split by term: lunr (JS) can only load whole indexes, and one index over every record is
~1 MB gzipped at scale 1 and ten times that at scale 10. So we build ONE lunr index in Python
(search_builder.SplitIndexBuilder: what lunr's bare Builder + the CJK pipeline step from
search_tokens would serialise) and write it as N shards by term (`search_tokens.term_shard`):
each shard is itself a valid lunr index holding the postings of its terms and, per document,
only the vector entries of those terms. A query loads
just the shards of its own terms and intersects the per-shard results; since a document's score
is a sum over query terms, the per-shard parts add up.

Output under <output>/search/:
  manifest.json    rule table, shard count, kinds, bodies, doc segments (ref ranges by kind+body),
                   the most frequent terms
  i/<n>.json       lunr index shard n (term metadata {"p": [start offsets]}, see search_tokens)
  d/<n>.json       doc store chunk n: [[id, url, title, meta, text], ...] for refs n*CHUNK...
  x/<n>.json       exact identifier map shard: {normalised identifier: [[kind, url, title], ...]}

Refs are base-36 numbers in (kind, body, id) order, so one doc's kind and body come from the
manifest's segments without loading anything else.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
from collections import defaultdict
from dataclasses import dataclass, field

from pipeline.ids import normalise_identifier

from . import search_tokens
from .search_builder import ShardCache, SplitIndexBuilder, TermCache, fnv1a_many

#: search kinds in display order: key -> Chinese label
KINDS = {
    "agency": "执法主体",
    "matter": "权责事项",
    "catalogue": "重大执法决定目录",
    "procedure": "办理程序",
    "law": "法律法规",
    "penalty": "行政处罚",
    "permit": "行政许可",
    "blacklist": "失信名单",
}
FIELDS = (("t", 10), ("k", 1))   # title (boosted), key fields
DOC_CHUNK = 64                    # docs per doc-store file
IDS_PER_SHARD = 256               # identifiers per identifier-map file
SHARD_TARGET_BYTES = 80_000       # raw JSON bytes aimed at per index shard (~25 KB gzipped)
BYTES_PER_POSTING = 42            # measured: ~24 B posting + ~18 B vector entry and ref
FREQUENT_SHARE, FREQUENT_MIN_DF, FREQUENT_MAX = 50, 100, 1000  # see frequent_terms()
MAX_TEXT = 240                    # characters of stored text per doc (for snippets)
SEARCH_DIR = "search"


@dataclass
class SearchDoc:
    kind: str                     # key of KINDS
    id: str                       # record id (docs/content-contract.md)
    url: str                      # from plugins/gongshi/urls.py
    title: str
    keys: list[str] = field(default_factory=list)   # indexed key fields
    meta: str = ""                # one short line shown under the title
    text: str = ""                # stored (not indexed) text for the snippet
    body: str | None = None       # agency id, for the body filter
    identifiers: list[str] = field(default_factory=list)  # exact IDs that jump to this record


def base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def order_docs(docs: list[SearchDoc]) -> list[SearchDoc]:
    kind_rank = {k: i for i, k in enumerate(KINDS)}
    return sorted(docs, key=lambda d: (kind_rank[d.kind], d.body or "", d.id))


def build_index(docs: list[SearchDoc], cache: TermCache | None = None) -> SplitIndexBuilder:
    """The lunr index over the ordered docs; ref = base36(position). Bare: no English trimmer,
    stop words or stemmer, only the CJK step (search_builder.py)."""
    builder = SplitIndexBuilder(FIELDS, cache)
    for n, doc in enumerate(docs):
        builder.add(base36(n), (doc.title, " ".join(k for k in doc.keys if k)))
    return builder


def frequent_terms(builder: SplitIndexBuilder) -> list[str]:
    """Terms in at least 1/FREQUENT_SHARE of all documents (and FREQUENT_MIN_DF), most frequent
    first, at most FREQUENT_MAX. The browser leaves them out of a query while the query has
    rarer terms: they narrow nothing and their long postings are what makes lunr slow."""
    threshold = max(FREQUENT_MIN_DF, builder.doc_count // FREQUENT_SHARE)
    counted = sorted((-df, term) for term, df in builder.document_frequencies().items()
                     if df >= threshold)
    return [term for _, term in counted[:FREQUENT_MAX]]


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def _segments(docs: list[SearchDoc], body_index: dict[str, int]) -> list[list[int]]:
    """[[first ref, count, kind index, body index or -1], ...] for runs of equal (kind, body)."""
    kind_index = {k: i for i, k in enumerate(KINDS)}
    segments: list[list[int]] = []
    for n, doc in enumerate(docs):
        key = [kind_index[doc.kind], body_index.get(doc.body, -1) if doc.body else -1]
        if segments and segments[-1][2:] == key:
            segments[-1][1] += 1
        else:
            segments.append([n, 1, *key])
    return segments


def _identifier_map(docs: list[SearchDoc]) -> dict[str, list[list[str]]]:
    ids: dict[str, list[list[str]]] = defaultdict(list)
    for doc in docs:
        for ident in sorted(set(normalise_identifier(i) for i in doc.identifiers if i)):
            if len(ident) >= 4:
                ids[ident].append([doc.kind, doc.url, doc.title])
    return ids


def shard_count(builder: SplitIndexBuilder) -> int:
    """Shards so that each holds about SHARD_TARGET_BYTES of JSON (estimated, not serialised:
    a (term, field, doc) posting plus its vector entry takes about BYTES_PER_POSTING)."""
    return max(1, math.ceil(builder.posting_count() * BYTES_PER_POSTING / SHARD_TARGET_BYTES))


def index_key(docs: list[SearchDoc]) -> bytes:
    """Digest of everything the index shards and the frequent terms are made of: the fields and,
    per ordered doc (its ref is its position), the indexed texts. Stored-only text, URLs, meta
    and identifiers are not in it: they go to the doc store and identifier files."""
    digest = hashlib.sha256(repr(FIELDS).encode("utf-8") + b"\x01")
    for doc in docs:
        keys = " ".join(k for k in doc.keys if k)
        digest.update(f"{len(doc.title)}:{doc.title}{len(keys)}:{keys}".encode("utf-8"))
    return digest.digest()


class _Files:
    """Where the search files go: straight into the folder, or through the render cache's
    write_bytes/reuse (files), which keeps last build's file when its bytes are unchanged."""

    def __init__(self, output_dir: str, files=None):
        self.output_dir, self.files = output_dir, files

    def write(self, rel: str, text: str) -> bytes:
        data = text.encode("utf-8")
        if self.files is not None:
            self.files.write_bytes(f"{SEARCH_DIR}/{rel}", data)
        else:
            _write_bytes(os.path.join(self.output_dir, SEARCH_DIR, rel), data)
        return data

    def keep(self, rel: str, digest: str) -> bool:
        """Last build's file at rel is kept if its bytes had this sha256 (render cache only)."""
        return self.files is not None and self.files.reuse(f"{SEARCH_DIR}/{rel}",
                                                           "bytes:" + digest, page=False)


def _write_bytes(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)


def _index_shards(docs: list[SearchDoc], out: _Files, cache, shard_cache, index_cache):
    """Write the index shards; (shard count, frequent terms). With an index_cache, the shard
    count, frequent terms and each shard's sha256 are remembered by index_key(docs): when the
    indexed texts are unchanged and last build's shard files are still in the output, nothing is
    tokenised, scored or serialised (a change of stored-only text, e.g. a penalty's facts).
    `cache`, `shard_cache`: instances, or callables making them (only when needed)."""
    key = index_key(docs) if index_cache is not None else None
    hit = index_cache.get(key) if key is not None else None
    if hit is not None:
        count, digests, frequent = hit
        # every kept shard is checked (and so kept); one that is not there means a full build,
        # which writes it (and finds the others identical: write_bytes keeps them)
        if all([out.keep(f"i/{n}.json", digest) for n, digest in enumerate(digests)]):
            return count, frequent
    terms = cache() if callable(cache) else cache
    shards_cache = shard_cache() if callable(shard_cache) else shard_cache
    index = build_index(docs, terms)
    count = shard_count(index)
    digests = []
    for n, text in enumerate(index.shard_texts(count, shards_cache)):  # one shard at a time
        digests.append(hashlib.sha256(out.write(f"i/{n}.json", text)).hexdigest())
    frequent = frequent_terms(index)
    if key is not None:
        index_cache.put(key, (count, digests, frequent))
    return count, frequent


def write_search_files(docs: list[SearchDoc], output_dir: str, bodies: dict[str, str],
                       cache: TermCache | None = None, shard_cache: ShardCache | None = None,
                       files=None, index_cache=None) -> dict:
    """Write every search file under <output_dir>/search/ and return the manifest. The caches
    (search_builder.py) only save time: the files are the same with or without them. `files`:
    the render cache (render_cache.PageCache) to write through; `index_cache`: a DigestCache
    for _index_shards."""
    out = _Files(output_dir, files)
    docs = order_docs(docs)
    shards, frequent = _index_shards(docs, out, cache, shard_cache, index_cache)

    for c in range(0, len(docs), DOC_CHUNK):
        rows = [[d.id, d.url, d.title, d.meta, d.text[:MAX_TEXT]] for d in docs[c:c + DOC_CHUNK]]
        out.write(f"d/{c // DOC_CHUNK}.json", _json(rows))

    id_map = _identifier_map(docs)
    id_shards = max(1, math.ceil(len(id_map) / IDS_PER_SHARD))
    parts: list[dict] = [{} for _ in range(id_shards)]
    idents = sorted(id_map)
    for ident, shard in zip(idents, (fnv1a_many(idents) % id_shards).tolist()):
        parts[shard][ident] = id_map[ident]
    for n, part in enumerate(parts):
        out.write(f"x/{n}.json", _json(part))

    used_bodies = sorted({d.body for d in docs if d.body})
    body_index = {b: i for i, b in enumerate(used_bodies)}
    manifest = {
        "version": 1,
        "frequent": frequent,
        "rules": search_tokens.rules_table(),
        "fields": [name for name, _ in FIELDS],
        "shards": shards,
        "idShards": id_shards,
        "docs": len(docs),
        "chunk": DOC_CHUNK,
        "kinds": [[k, label] for k, label in KINDS.items()],
        "bodies": [[b, bodies.get(b, b)] for b in used_bodies],
        "segments": _segments(docs, body_index),
    }
    out.write("manifest.json", _json(manifest))
    return manifest


def _gzip_size(path: str) -> int:
    with open(path, "rb") as fh:
        return len(gzip.compress(fh.read(), compresslevel=9, mtime=0))


def file_sizes(output_dir: str) -> dict[str, tuple[int, int]]:
    """{relative path under search/: (raw bytes, gzip bytes)} for every search data file."""
    root = os.path.join(output_dir, SEARCH_DIR)
    sizes = {}
    for folder, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            if name.endswith(".json"):
                path = os.path.join(folder, name)
                sizes[os.path.relpath(path, root)] = (os.path.getsize(path), _gzip_size(path))
    return sizes
