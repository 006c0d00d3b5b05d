"""全文检索: the search page and its index files (see plugins/gongshi/search_index.py).

Documents come only from the ContentStore (already filtered by the publication rules for the
build's as-of date) and the law library, so an expired or withdrawn record can never be indexed.
Only titles and key fields are indexed; a short text per record goes to the doc store for snippets.
"""

from __future__ import annotations

import logging

from .. import urls
from ..background import SpawnedJob
from ..base import FamilyGenerator
from ..jinja_helpers import zh_date
from ..render_cache import PageCache, render_cache_file
from ..search_builder import IndexCache, ShardCache, TermCache
from ..search_index import KINDS, SEARCH_DIR, SearchDoc, write_search_files

log = logging.getLogger(__name__)


def _join(*parts) -> str:
    return " · ".join(str(p) for p in parts if p)


def agency_docs(store) -> list[SearchDoc]:
    return [SearchDoc("agency", a["id"], urls.url_for("agency", a["id"]), a.get("name") or "",
                      keys=[a.get("credit_code") or "", a.get("kind") or "", a.get("parent") or ""],
                      meta=_join(a.get("kind"), a.get("credit_code")), text=a.get("duties") or "",
                      body=a["id"], identifiers=[a.get("credit_code") or ""])
            for a in store.records("agencies")]


def matter_docs(store, agency_names) -> list[SearchDoc]:
    return [SearchDoc("matter", m["id"], urls.url_for("matter", m["id"]), m.get("name") or "",
                      keys=[m.get("code") or "", m.get("category") or "",
                            agency_names.get(m.get("agency_id"), "")],
                      meta=_join(m.get("category"), agency_names.get(m.get("agency_id")),
                                 m.get("code")),
                      text=m.get("basis_text") or "", body=m.get("agency_id"),
                      identifiers=[m.get("code") or ""])
            for m in store.records("matters")]


def catalogue_docs(store, agency_names) -> list[SearchDoc]:
    # The catalogue has no page per item: link to the body's catalogue listing at the item's row.
    return [SearchDoc("catalogue", d["id"],
                      urls.url_for("catalogue_by_agency", d.get("agency_id"), anchor=d["id"])
                      if d.get("agency_id") else urls.url_for("catalogue"),
                      d.get("name") or "",
                      keys=[d.get("number") or "", d.get("category") or "",
                            d.get("threshold") or "", agency_names.get(d.get("agency_id"), "")],
                      meta=_join(d.get("category"), agency_names.get(d.get("agency_id")),
                                 d.get("number")),
                      text=d.get("threshold") or "", body=d.get("agency_id"),
                      identifiers=[d.get("number") or ""])
            for d in store.records("major_decisions")]


def procedure_docs(store) -> list[SearchDoc]:
    return [SearchDoc("procedure", p["id"], urls.url_for("procedure", p["id"]), p.get("name") or "",
                      keys=[s.get("name") or "" for s in p.get("steps") or []],
                      text=p.get("summary") or "")
            for p in store.records("procedures")]


def law_docs(store) -> list[SearchDoc]:
    """One document per article; article text is indexed (it is what people search laws for)."""
    try:
        laws = store.library.laws
    except (ImportError, FileNotFoundError, OSError) as exc:  # law texts are optional input
        log.warning("search: law texts unavailable (%s); laws not indexed", exc)
        return []
    return [SearchDoc("law", f"{law.id}-{n}", urls.article_url(law.id, n),
                      f"{law.short_title or law.title} {article.label}",
                      keys=[article.text], meta=_join(law.title, article.chapter),
                      text=article.text)
            for law in laws for n, article in sorted(law.articles.items())]


def penalty_docs(store) -> list[SearchDoc]:
    return [SearchDoc("penalty", p["id"], urls.url_for("penalty", p["id"]), p.get("party_name") or "",
                      keys=[p.get("decision_no") or "", p.get("violation_type") or "",
                            " ".join(p.get("kinds") or []), p.get("agency_name") or "",
                            p.get("party_credit_code") or ""],
                      meta=_join(p.get("decision_no"), zh_date(p.get("decision_date")),
                                 p.get("agency_name")),
                      text=_join(p.get("violation_type"), p.get("content")),
                      body=p.get("agency_id"),
                      identifiers=[p.get("decision_no") or "", p.get("party_credit_code") or ""])
            for p in store.records("penalties")]


def permit_docs(store) -> list[SearchDoc]:
    return [SearchDoc("permit", p["id"], urls.url_for("permit", p["id"]), p.get("party_name") or "",
                      keys=[p.get("decision_no") or "", p.get("decision_name") or "",
                            p.get("certificate_name") or "", p.get("license_no") or "",
                            p.get("agency_name") or "", p.get("party_credit_code") or ""],
                      meta=_join(p.get("decision_no"), zh_date(p.get("decision_date")),
                                 p.get("agency_name")),
                      text=_join(p.get("decision_name"), p.get("content")),
                      body=p.get("agency_id"),
                      identifiers=[p.get("decision_no") or "", p.get("license_no") or "",
                                   p.get("party_credit_code") or ""])
            for p in store.records("permits")]


def blacklist_docs(store, agency_ids_by_name) -> list[SearchDoc]:
    return [SearchDoc("blacklist", b["id"], urls.url_for("blacklist_entry", b["id"]),
                      b.get("name") or "",
                      keys=[b.get("credit_code") or "", b.get("area") or "",
                            b.get("authority") or "", b.get("authority_doc_no") or ""],
                      meta=_join(b.get("area"), b.get("status"), zh_date(b.get("listed_date"))),
                      text=b.get("reason") or "", body=agency_ids_by_name.get(b.get("authority")),
                      identifiers=[b.get("credit_code") or "", b.get("authority_doc_no") or ""])
            for b in store.records("blacklist")]


def search_documents(store) -> list[SearchDoc]:
    """Every searchable record of the build, in no particular order."""
    agencies = store.records("agencies")
    names = {a["id"]: a.get("name") or "" for a in agencies}
    ids_by_name = {a.get("name"): a["id"] for a in agencies}
    return (agency_docs(store) + matter_docs(store, names) + catalogue_docs(store, names)
            + procedure_docs(store) + law_docs(store) + penalty_docs(store) + permit_docs(store)
            + blacklist_docs(store, ids_by_name))


def build_index(docs, output_path, bodies, term_path, shard_path, index_path, files=None):
    """Write the search files (in the SpawnedJob's child): the number of documents, and the
    render-cache entries of the files written or kept through `files` (an OutputFiles share)."""
    made = []  # the term and shard caches are only loaded when the index is rebuilt

    def lazy(cls, path):
        def make():
            made.append(cls(path))
            return made[-1]
        return make

    index = IndexCache(index_path)
    manifest = write_search_files(docs, output_path, bodies, lazy(TermCache, term_path),
                                  lazy(ShardCache, shard_path), files=files, index_cache=index)
    for cache in (*made, index):
        cache.save()
    handed = files.hand_over(SEARCH_DIR + "/") if files else None
    return manifest["docs"], handed


class SearchGenerator(FamilyGenerator):
    family = "search"

    def generate_context(self):
        # The index depends only on the store, so it is built in a child process while the other
        # families render (background.py); generate_output waits for it.
        docs = search_documents(self.store)
        bodies = {a["id"]: a.get("name") or a["id"] for a in self.store.records("agencies")}
        term_path = render_cache_file(self.settings, "search-terms.pickle")
        shard_path = render_cache_file(self.settings, "search-shards.pickle")
        index_path = render_cache_file(self.settings, "search-index.pickle")
        cache = PageCache.for_generator(self)
        # the child writes the search folder through its own part of the render cache
        files = cache.share(SEARCH_DIR + "/") if cache else None
        # a fresh process that gets only the documents (background.SpawnedJob): a forked one
        # ended up with a private copy of most of the render's heap
        self._index_job = SpawnedJob(build_index, (docs, self.output_path, bodies, term_path,
                                                   shard_path, index_path, files),
                                     "search.index_files")

    def generate_output(self, writer):
        doc_count, handed = self._index_job.result()
        if handed:  # the files the child wrote or kept, for this build's render manifest
            PageCache.for_generator(self).adopt(handed)
        self.write(writer, urls.path_for("search"), "search.html", title="搜索",
                   breadcrumbs=[("首页", "/")], kinds=list(KINDS.items()), doc_count=doc_count)


GENERATORS = [SearchGenerator]
