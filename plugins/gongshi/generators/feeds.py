"""Atom feeds for new decisions (penalties and permits) and blacklist changes, city-wide and per
body. Written only when GONGSHI_FEEDS is true (publishconf.py): a feed needs absolute links, so
it needs the production SITEURL. Dates come from the data, never the clock, so feeds are
deterministic."""

from __future__ import annotations

import html
from datetime import datetime, timezone
from pathlib import Path

from feedgenerator import Atom1Feed

from ..base import FamilyGenerator
from .. import urls

CITY_ITEMS = 50    # newest items in a city-wide feed
AGENCY_ITEMS = 20  # newest items in a body's feed


def feed_path(name: str, agency_id: str | None = None) -> str:
    return f"feeds/agency/{agency_id}/{name}.atom" if agency_id else f"feeds/{name}.atom"


def as_datetime(iso: str | None) -> datetime:
    return datetime.fromisoformat(str(iso or "1970-01-01")[:10]).replace(tzinfo=timezone.utc)


def decision_items(store) -> list[dict]:
    """Penalties and permits as feed items, newest first (ties by id, for determinism)."""
    items = []
    for kind, one, label in (("penalties", "penalty", "行政处罚"), ("permits", "permit", "行政许可")):
        for r in store.records(kind):
            summary = "、".join(r.get("kinds") or []) if kind == "penalties" else r.get("decision_name")
            items.append({"id": r["id"], "agency_id": r.get("agency_id"), "date": r.get("decision_date"),
                          "url": urls.url_for(one, r["id"]),
                          "title": f"{label}决定 {r.get('decision_no') or ''}：{r.get('party_name') or ''}",
                          "summary": f"{r.get('agency_name') or ''}作出{label}决定（{summary or ''}）。"})
    return sorted(sorted(items, key=lambda i: i["id"]), key=lambda i: str(i["date"] or ""), reverse=True)


def blacklist_items(store) -> list[dict]:
    items = []
    for b in store.records("blacklist"):
        removed = b.get("status") == "移出"
        date = b.get("removed_date") if removed else b.get("listed_date")
        items.append({"id": b["id"], "agency_id": None, "date": date,
                      "url": urls.url_for("blacklist_entry", b["id"]),
                      "title": f"{'移出' if removed else '列入'}严重失信主体名单：{b.get('name') or ''}",
                      "summary": f"{b.get('authority') or ''}，{b.get('area') or ''}领域，{b.get('reason') or ''}"})
    return sorted(sorted(items, key=lambda i: i["id"]), key=lambda i: str(i["date"] or ""), reverse=True)


class FeedsGenerator(FamilyGenerator):
    family = "feeds"

    def generate_context(self):
        self.enabled = bool(self.settings.get("GONGSHI_FEEDS"))
        self.context["gongshi_feeds"] = [
            ("行政处罚和行政许可决定（全市）", "/" + feed_path("decisions")),
            ("严重失信主体名单变动", "/" + feed_path("blacklist")),
        ] if self.enabled else []

    def write_feed(self, path: str, title: str, items: list[dict]) -> None:
        site = (self.settings.get("SITEURL") or "").rstrip("/")
        feed = Atom1Feed(title=title, link=site + "/", description=title, language="zh-CN",
                         feed_url=f"{site}/{path}", feed_guid=f"{site}/{path}")
        if not items:  # feedgenerator would stamp an empty feed with now(): builds must be reproducible
            feed.latest_post_date = lambda: as_datetime(self.store.site.get("as_of"))
        for item in items:
            # Atom1Feed writes the description as <summary type="html">: feed readers render it as
            # HTML, so the plain-text summary (data) is escaped once more here
            feed.add_item(title=item["title"], link=site + item["url"],
                          description=html.escape(item["summary"], quote=False),
                          unique_id=site + item["url"], pubdate=as_datetime(item["date"]),
                          updateddate=as_datetime(item["date"]))
        target = Path(self.output_path) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8") as fh:
            feed.write(fh, "utf-8")

    def generate_output(self, writer):
        if not self.enabled:
            return
        name = self.settings.get("SITENAME", "")
        decisions = decision_items(self.store)
        self.write_feed(feed_path("decisions"), f"{name}：行政处罚和行政许可决定", decisions[:CITY_ITEMS])
        self.write_feed(feed_path("blacklist"), f"{name}：严重失信主体名单变动",
                        blacklist_items(self.store)[:CITY_ITEMS])
        by_agency: dict[str, list[dict]] = {}
        for item in decisions:
            by_agency.setdefault(item["agency_id"], []).append(item)
        for agency in self.store.records("agencies"):
            self.write_feed(feed_path("decisions", agency["id"]),
                            f"{agency.get('name') or ''}：行政处罚和行政许可决定",
                            by_agency.get(agency["id"], [])[:AGENCY_ITEMS])


GENERATORS = [FeedsGenerator]
