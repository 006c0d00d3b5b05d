"""权责事项: one page per power, plus listings by body and by type (plain links, no JavaScript)."""

from __future__ import annotations

from ..base import FamilyGenerator
from ..store import MATTER_CATEGORIES
from .. import urls

RECENT = 10  # published decisions shown on a matter's page


class MatterGenerator(FamilyGenerator):
    family = "matters"
    nav = (20, "matters", "权责事项")

    def generate_context(self):
        # A published penalty reaches its matter through its case (cases carry matter_id).
        penalties = self.store.by_id("penalties")
        decisions: dict[str, list[dict]] = {}
        for case in self.store.records("cases"):
            penalty = penalties.get(case.get("decision_id"))
            if penalty and case.get("matter_id"):
                decisions.setdefault(case["matter_id"], []).append(penalty)
        for items in decisions.values():
            items.sort(key=lambda p: (str(p.get("decision_date") or ""), p["id"]), reverse=True)
        self.context["gongshi_penalties_by_matter"] = decisions

    def generate_output(self, writer):
        store = self.store
        agencies = store.by_id("agencies")
        procedures = store.by_id("procedures")
        by_agency = store.group_by("matters", "agency_id")
        by_type = store.group_by("matters", "category_slug")
        decisions = self.context["gongshi_penalties_by_matter"]
        major = store.group_by("major_decisions", "matter_id")
        home = [("首页", "/")]
        index_crumbs = home + [("权责事项", urls.url_for("matters"))]
        slug_names = {slug: name for name, slug in MATTER_CATEGORIES.items()}
        for slug, items in by_type.items():
            slug_names.setdefault(slug, items[0].get("category") or slug)

        type_facets = [(slug_names[s], urls.url_for("matters_by_type", s), len(by_type[s]))
                       for s in sorted(by_type, key=_category_order)]
        agency_facets = [(agencies.get(a, {}).get("name", a), urls.url_for("matters_by_agency", a),
                          len(items)) for a, items in sorted(by_agency.items(),
                          key=lambda kv: agencies.get(kv[0], {}).get("name", kv[0]))]
        self.write(writer, urls.path_for("matters"), "matters.html", title="权责事项",
                   breadcrumbs=home, total=len(store.records("matters")),
                   type_facets=type_facets, agency_facets=agency_facets)

        for slug, items in by_type.items():
            self.write_paginated(writer, "matters_by_type", slug, _by_name(items), "matter_list.html",
                                 title=f"权责事项：{slug_names[slug]}", breadcrumbs=index_crumbs,
                                 agencies=agencies)
        for aid, items in by_agency.items():
            name = agencies.get(aid, {}).get("name", aid)
            self.write_paginated(writer, "matters_by_agency", aid, _by_name(items), "matter_list.html",
                                 title=f"{name}的权责事项", breadcrumbs=index_crumbs, agencies=None)

        for matter in store.records("matters"):
            self.write(writer, urls.path_for("matter", matter["id"]), "matter.html",
                       title=matter["name"], breadcrumbs=index_crumbs, matter=matter,
                       agency=agencies.get(matter.get("agency_id")),
                       procedure=procedures.get(matter.get("procedure_id")),
                       decisions=decisions.get(matter["id"], [])[:RECENT],
                       decision_count=len(decisions.get(matter["id"], [])),
                       major_decisions=major.get(matter["id"], []))


def _category_order(slug: str):
    order = list(MATTER_CATEGORIES.values())
    return (order.index(slug) if slug in order else len(order), slug)


def _by_name(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda m: (m.get("code") or "", m["id"]))


GENERATORS = [MatterGenerator]
