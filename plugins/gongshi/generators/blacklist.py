"""严重失信主体名单: the active list (all areas, and one per area), removal notices, one page per
entry. The pipeline already dropped natural persons and entries past their original expiry, so
every record here is either active (status 列入) or a removal notice (status 移出)."""

from __future__ import annotations

from ..base import FamilyGenerator
from .. import urls

REMOVED = "移出"
# The provincial regulation whose articles explain listing, removal and credit repair.
CREDIT_LAW = "山东省社会信用条例"
# Areas in the order domain §1 names them; any other area follows alphabetically.
AREA_ORDER = ["规划建设", "土地管理", "安全生产", "环境保护", "食品安全"]


def split_active(entries: list[dict]) -> tuple[list[dict], list[dict]]:
    """(active entries, removal notices), each keeping the input order."""
    active = [e for e in entries if e.get("status") != REMOVED]
    removed = [e for e in entries if e.get("status") == REMOVED]
    return active, removed


def area_key(area: str) -> tuple[int, str]:
    return (AREA_ORDER.index(area), area) if area in AREA_ORDER else (len(AREA_ORDER), area)


class BlacklistGenerator(FamilyGenerator):
    family = "blacklist"
    nav = (80, "blacklist", "失信名单")

    def generate_context(self):
        entries = self.store.newest_first("blacklist", "listed_date")
        areas: dict[str, dict] = {}
        for entry in entries:
            slug = entry.get("area_slug") or "qita"
            areas.setdefault(slug, {"slug": slug, "name": entry.get("area") or "其他", "entries": []})
            areas[slug]["entries"].append(entry)
        self.entries = entries
        self.areas = sorted(areas.values(), key=lambda a: area_key(a["name"]))
        law = self.store.library.find(CREDIT_LAW)
        self.context["credit_law_id"] = law.id if law else None

    def generate_output(self, writer):
        home = [("首页", "/")]
        crumbs = home + [("严重失信主体名单", urls.url_for("blacklist"))]
        area_links = [(a["name"], urls.url_for("blacklist_by_area", a["slug"]),
                       len(split_active(a["entries"])[0])) for a in self.areas]
        active, removed = split_active(self.entries)
        self.write(writer, urls.path_for("blacklist"), "blacklist.html",
                   title="严重失信主体名单", breadcrumbs=home, active=active, removed=removed,
                   area_links=area_links, area=None)
        for area in self.areas:
            active, removed = split_active(area["entries"])
            self.write(writer, urls.path_for("blacklist_by_area", area["slug"]), "blacklist.html",
                       title=f"严重失信主体名单：{area['name']}领域", breadcrumbs=crumbs,
                       active=active, removed=removed, area_links=area_links, area=area["name"])
        for entry in self.entries:
            self.write(writer, urls.path_for("blacklist_entry", entry["id"]), "blacklist_entry.html",
                       title=f"{'移出公告' if entry.get('status') == REMOVED else '严重失信主体'}：{entry.get('name') or ''}",
                       breadcrumbs=crumbs, entry=entry)


GENERATORS = [BlacklistGenerator]
