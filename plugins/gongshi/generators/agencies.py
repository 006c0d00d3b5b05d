"""执法主体: one page per enforcement body and an index of all bodies."""

from __future__ import annotations

from ..base import FamilyGenerator
from ..store import MATTER_CATEGORIES
from .. import urls

RECENT = 10  # recent decisions shown on a body's page


def matters_by_category(matters: list[dict]) -> list[tuple[str, str | None, list[dict]]]:
    """[(事项类别, slug, matters)] in the contract's category order, unknown categories last."""
    groups: dict[str, list[dict]] = {}
    for matter in matters:
        groups.setdefault(matter.get("category") or "其他行政权力", []).append(matter)
    order = {name: i for i, name in enumerate(MATTER_CATEGORIES)}
    return [(name, MATTER_CATEGORIES.get(name), groups[name])
            for name in sorted(groups, key=lambda n: (order.get(n, len(order)), n))]


class AgencyGenerator(FamilyGenerator):
    family = "agencies"
    nav = (10, "agencies", "执法主体")

    def generate_output(self, writer):
        store = self.store
        agencies = sorted(store.records("agencies"), key=lambda a: (a.get("name") or "", a["id"]))
        officers = store.group_by("officers", "agency_id")
        matters = store.group_by("matters", "agency_id")
        penalties = store.group_by("penalties", "agency_id", newest_by="decision_date")
        permits = store.group_by("permits", "agency_id", newest_by="decision_date")
        catalogue = store.group_by("major_decisions", "agency_id")
        crumbs = [("首页", "/")]
        rows = [(a, len(matters.get(a["id"], [])), len(penalties.get(a["id"], [])),
                 len(permits.get(a["id"], []))) for a in agencies]
        self.write(writer, urls.path_for("agencies"), "agencies.html", title="执法主体",
                   breadcrumbs=crumbs, rows=rows)
        crumbs = crumbs + [("执法主体", urls.url_for("agencies"))]
        for agency in agencies:
            aid = agency["id"]
            own_penalties = penalties.get(aid, [])
            own_permits = permits.get(aid, [])
            self.write(writer, urls.path_for("agency", aid), "agency.html", title=agency["name"],
                       breadcrumbs=crumbs, agency=agency,
                       officers=sorted(officers.get(aid, []), key=lambda o: o.get("cert_no") or ""),
                       matter_groups=matters_by_category(matters.get(aid, [])),
                       matter_count=len(matters.get(aid, [])),
                       penalties=own_penalties[:RECENT], penalty_count=len(own_penalties),
                       permits=own_permits[:RECENT], permit_count=len(own_permits),
                       catalogue_count=len(catalogue.get(aid, [])))


GENERATORS = [AgencyGenerator]
