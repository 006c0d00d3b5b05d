"""Reference search index made with lunr.py's own Builder, for checking the portal's fast one.

plugins/gongshi/search_builder.py writes the split index directly; these helpers make the same
thing the slow, obviously right way: lunr's Builder with the CJK pipeline step, serialised, then
cut by term exactly as search_index.py's module docstring describes.
"""

from __future__ import annotations

from collections import defaultdict

from lunr.builder import Builder
from lunr.pipeline import Pipeline

from plugins.gongshi import search_index as si
from plugins.gongshi import search_tokens


def reference_index(rows):
    """lunr Index over rows {"r": ref, "t": title, "k": keys} set up like the portal's index."""
    builder = Builder()
    fn = Pipeline.registered_functions[search_tokens.PIPELINE_LABEL]
    builder.pipeline.add(fn)
    builder.search_pipeline.add(fn)
    builder.ref("r")
    for name, boost in si.FIELDS:
        builder.field(name, boost=boost)
    builder.metadata_whitelist = [search_tokens.POSITION_KEY]
    for row in rows:
        builder.add(row)
    return builder.build()


def doc_rows(docs):
    """The rows search_index.build_index adds for ordered SearchDocs."""
    return [{"r": si.base36(n), "t": d.title, "k": " ".join(k for k in d.keys if k)}
            for n, d in enumerate(docs)]


def split_serialised(serialised: dict, shards: int) -> list[dict]:
    """Cut a serialised lunr index into `shards` lunr indexes by term_shard of each term."""
    parts = [{"version": serialised["version"], "fields": serialised["fields"],
              "fieldVectors": [], "invertedIndex": [], "pipeline": serialised["pipeline"]}
             for _ in range(shards)]
    shard_of_index = [0] * len(serialised["invertedIndex"])
    for term, posting in serialised["invertedIndex"]:
        s = search_tokens.term_shard(term, shards)
        shard_of_index[posting["_index"]] = s
        parts[s]["invertedIndex"].append([term, posting])
    for field_ref, vector in serialised["fieldVectors"]:
        pieces = defaultdict(list)
        for index, score in zip(vector[0::2], vector[1::2]):
            pieces[shard_of_index[index]] += (index, score)
        for s in sorted(pieces):
            parts[s]["fieldVectors"].append([field_ref, pieces[s]])
    return parts
