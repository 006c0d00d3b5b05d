"""Business credit check (/credit/): a business types its 统一社会信用代码 and sees its blacklist
status, published penalties and permits, and when each stops being public.

Served from static JSON shards so one check fetches one small file: a code goes to shard
fnv1a32(code) % shard_count (the same function is in theme/static/js/credit.js). Only published
records are in the shards, so expiry, repair and withdrawal apply here as everywhere else.
"""

from __future__ import annotations

import json

from ..base import FamilyGenerator
from .. import urls

TARGET_PER_SHARD = 16   # average codes per shard; keeps one fetch to a few KB at any scale


def fnv1a32(text: str) -> int:
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def shard_count(codes: int) -> int:
    n = 1
    while codes / n > TARGET_PER_SHARD:
        n *= 2
    return n


def credit_entries(store) -> dict[str, dict]:
    """credit code -> what the check shows; public, published data only."""
    entries: dict[str, dict] = {}

    def entry(code, name):
        e = entries.setdefault(code, {"name": name, "blacklist": [], "penalties": [], "permits": []})
        e["name"] = e["name"] or name
        return e

    for b in store.newest_first("blacklist", "listed_date"):
        if b.get("credit_code"):
            entry(b["credit_code"], b.get("name"))["blacklist"].append({
                "url": urls.url_for("blacklist_entry", b["id"]), "area": b.get("area"),
                "status": "已移出" if b.get("status") == "移出" else "列入",
                "listed": b.get("listed_date"), "removed": b.get("removed_date"),
                "until": b.get("expires"), "authority": b.get("authority")})
    for p in store.newest_first("penalties"):
        if p.get("party_credit_code"):
            entry(p["party_credit_code"], p.get("party_name"))["penalties"].append({
                "url": urls.url_for("penalty", p["id"]), "no": p.get("decision_no"),
                "date": p.get("decision_date"), "kinds": p.get("kinds") or [],
                "agency": p.get("agency_name"), "until": p.get("publish_until")})
    for p in store.newest_first("permits"):
        if p.get("party_credit_code"):
            entry(p["party_credit_code"], p.get("party_name"))["permits"].append({
                "url": urls.url_for("permit", p["id"]), "no": p.get("decision_no"),
                "name": p.get("decision_name"), "date": p.get("decision_date"),
                "agency": p.get("agency_name"), "until": p.get("valid_until")})
    return entries


def write_json(path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                    encoding="utf-8")


class CreditGenerator(FamilyGenerator):
    family = "credit"
    nav = (85, "credit", "信用查询")

    def generate_context(self):
        self.entries = credit_entries(self.store)
        self.shards = shard_count(len(self.entries))

    def generate_output(self, writer):
        from pathlib import Path

        buckets: dict[int, dict] = {n: {} for n in range(self.shards)}
        for code in sorted(self.entries):
            buckets[fnv1a32(code) % self.shards][code] = self.entries[code]
        folder = Path(self.output_path) / "credit" / "shards"
        for n, bucket in buckets.items():
            write_json(folder / f"{n}.json", bucket)
        self.write(writer, urls.path_for("credit"), "credit.html", title="企业信用查询",
                   breadcrumbs=[("首页", "/")], shard_count=self.shards)


GENERATORS = [CreditGenerator]
