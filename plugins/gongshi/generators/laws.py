"""法律依据: one page per law of the library (official text, chapter navigation, an anchor per
article, and under each cited article the powers and decisions citing it) and an index of laws
with citation counts.

The reverse index (law -> article -> citing records) is built once in generate_context and shared
as context["gongshi_citing"] for other families.
"""

from __future__ import annotations

from ..base import FamilyGenerator
from .. import urls

SHOWN_DECISIONS = 20  # decisions listed under one article (the count is always shown)

# record kinds whose `citations` feed the reverse index, newest decisions first
CITING_KINDS = ("matters", "penalties")


def build_reverse_index(store, known: dict[str, set[int]]) -> dict[str, dict]:
    """{law_id: {"articles": {n: {kind: [records]}}, "counts": {kind: records citing the law}}}.

    One pass over every citing record; a record citing the same article twice counts once."""
    index: dict[str, dict] = {}
    for kind in CITING_KINDS:
        source = store.newest_first(kind) if kind == "penalties" else store.records(kind)
        for record in source:
            seen_laws: set[str] = set()
            seen_articles: set[tuple[str, int]] = set()
            for citation in record.get("citations") or []:
                law_id = citation.get("law_id")
                if law_id not in known:
                    continue
                entry = index.setdefault(law_id, {"articles": {}, "counts": {}})
                if law_id not in seen_laws:
                    seen_laws.add(law_id)
                    entry["counts"][kind] = entry["counts"].get(kind, 0) + 1
                article = citation.get("article")
                if article is None or int(article) not in known[law_id] \
                        or (law_id, int(article)) in seen_articles:
                    continue
                seen_articles.add((law_id, int(article)))
                entry["articles"].setdefault(int(article), {}).setdefault(kind, []).append(record)
    return index


def headings_before(law) -> dict[int, list]:
    """Article number -> the chapters/sections that start at it (in document order)."""
    result: dict[int, list] = {}
    for i, chapter in enumerate(law.chapters):
        if chapter.articles:
            result.setdefault(chapter.articles[0], []).append((i, chapter))
    return result


class LawGenerator(FamilyGenerator):
    family = "laws"
    nav = (40, "laws", "法律依据")

    def generate_context(self):
        self.laws = list(self.store.library.laws)
        known = {law.id: set(law.articles) for law in self.laws}
        self.context["gongshi_citing"] = build_reverse_index(self.store, known)

    def generate_output(self, writer):
        citing = self.context["gongshi_citing"]
        home = [("首页", "/")]
        rows = [(law, citing.get(law.id, {}).get("counts", {})) for law in self.laws]
        self.write(writer, urls.path_for("laws"), "laws.html", title="法律依据",
                   breadcrumbs=home, rows=rows)
        crumbs = home + [("法律依据", urls.url_for("laws"))]
        for law in self.laws:
            entry = citing.get(law.id, {"articles": {}, "counts": {}})
            self.write(writer, urls.path_for("law", law.id), "law.html", title=law.title,
                       breadcrumbs=crumbs, law=law, articles=[law.articles[n] for n in sorted(law.articles)],
                       headings=headings_before(law), citers=entry["articles"],
                       counts=entry["counts"], shown_decisions=SHOWN_DECISIONS,
                       agencies=self.store.by_id("agencies"))


GENERATORS = [LawGenerator]
