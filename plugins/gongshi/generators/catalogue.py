"""重大执法决定法制审核目录清单: the catalogue of major decision types, by body and by type.

Each item shows its 重大情形 (threshold), the reviewing office and the review basis (citations link
to the article when the law text is in the library, plain text with a note otherwise — the shared
`citations` macro decides) and links to its power (matter) page when that power is published.
"""

from __future__ import annotations

from .. import urls
from ..base import FamilyGenerator
from ..store import MATTER_CATEGORIES


def category_slug(item: dict) -> str:
    return item.get("category_slug") or MATTER_CATEGORIES.get(item.get("category") or "", "qita")


def _slug_order(slug: str) -> tuple:
    order = list(MATTER_CATEGORIES.values())
    return (order.index(slug) if slug in order else len(order), slug)


def _by_number(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda i: (str(i.get("number") or ""), i["id"]))


def group(items: list[dict], key) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return {k: _by_number(v) for k, v in groups.items()}


def _linked_matters(items: list[dict], matters: dict) -> dict[str, str]:
    """The items' matters that have a page: id -> URL (catalogue_list.html asks `id in matters`
    and links to matters[id]; a URL per row from url() would cost a template call each)."""
    return {i["matter_id"]: urls.url_for("matter", i["matter_id"])
            for i in items if i.get("matter_id") in matters}


class AgencyNames:
    """agency_name(id) for the templates; a class rather than a closure so the render cache can
    fingerprint it (by every name it can return) and reuse the pages."""

    def __init__(self, agencies: dict, ids):
        self.names = {aid: (agencies.get(aid) or {}).get("name") or aid or "未注明实施主体"
                      for aid in set(agencies) | set(ids)}
        # for the rows of a listing (every item's body is here): lookups, not a call per row
        self.urls = {aid: urls.url_for("catalogue_by_agency", aid) for aid in self.names if aid}

    def __call__(self, aid: str) -> str:
        return self.names.get(aid) or aid or "未注明实施主体"  # an unknown body: its id

    def cache_fingerprint(self):
        return [sorted(self.names.items()), sorted(self.urls.items())]


class CatalogueGenerator(FamilyGenerator):
    family = "catalogue"
    nav = (75, "catalogue", "目录清单")

    def generate_output(self, writer):
        store = self.store
        items = store.records("major_decisions")
        agencies = store.by_id("agencies")
        matters = store.by_id("matters")
        by_agency = group(items, lambda i: i.get("agency_id") or "")
        by_type = group(items, category_slug)
        type_names = {slug: name for name, slug in MATTER_CATEGORIES.items()}
        for slug, members in by_type.items():
            type_names.setdefault(slug, members[0].get("category") or slug)

        agency_name = AgencyNames(agencies, by_agency)

        home = [("首页", "/")]
        agency_facets = [(agency_name(a), urls.url_for("catalogue_by_agency", a), len(by_agency[a]))
                         for a in sorted(by_agency, key=lambda a: (agency_name(a), a)) if a]
        type_facets = [(type_names[s], urls.url_for("catalogue_by_type", s), len(by_type[s]))
                       for s in sorted(by_type, key=_slug_order)]
        self.write(writer, urls.path_for("catalogue"), "catalogue.html", title="重大执法决定法制审核目录清单",
                   breadcrumbs=home, total=len(items), agency_facets=agency_facets, type_facets=type_facets,
                   unassigned=len(by_agency.get("", [])))

        crumbs = home + [("目录清单", urls.url_for("catalogue"))]
        # the template only asks whether an item's matter has a page: pass those ids, not every
        # matter record (the render cache keys a page by what it is given)
        common = dict(breadcrumbs=crumbs, agency_name=agency_name)
        # A body's catalogue is one page (no pagination): the site search links to an item as
        # catalogue/agency/<id>/#<item id>, which must resolve whatever the item's position.
        for aid, members in by_agency.items():
            if aid:
                self.write(writer, urls.path_for("catalogue_by_agency", aid), "catalogue_list.html",
                           title=f"{agency_name(aid)}重大执法决定法制审核目录", show_agency=False, rows=members,
                           page=1, pages=[urls.url_for("catalogue_by_agency", aid)], total=len(members),
                           matters=_linked_matters(members, matters), **common)
        for slug, members in by_type.items():
            self.write_paginated(writer, "catalogue_by_type", slug, members, "catalogue_list.html",
                                 title=f"重大执法决定法制审核目录：{type_names[slug]}", show_agency=True,
                                 matters=_linked_matters(members, matters), **common)


GENERATORS = [CatalogueGenerator]
