"""Open data (/data/): CSV (UTF-8 with BOM, so Excel opens it) and JSON per dataset, one JSON per
record, and a page documenting licence, fields and the as-of date of each source. Everything is
made from the published content, so expiry and withdrawal apply here too."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..base import FamilyGenerator
from ..opendata_fields import DATASETS
from .. import urls

# A cell starting with one of these is a formula in Excel/WPS: prefix it so it stays text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        value = "、".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(records: list[dict], fields) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for _, header, _, _ in fields])
    for record in records:
        writer.writerow([cell(record.get(key)) for key, _, _, _ in fields])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def project(record: dict, fields) -> dict:
    return {key: record.get(key) for key, _, _, _ in fields}


def dump(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")


class OpenDataGenerator(FamilyGenerator):
    family = "data"
    nav = (90, "data", "开放数据")

    def generate_output(self, writer):
        root = Path(self.output_path) / "data"
        downloads = []
        for name, (kind, title, fields) in DATASETS.items():
            records = self.store.records(kind)
            rows = [project(r, fields) for r in records]
            (root / name).mkdir(parents=True, exist_ok=True)
            (root / f"{name}.csv").write_bytes(to_csv(records, fields))
            (root / f"{name}.json").write_bytes(dump(rows))
            for row in rows:
                (root / name / f"{row['id']}.json").write_bytes(dump(row))
            downloads.append({"name": name, "title": title, "count": len(rows), "fields": fields,
                              "csv": f"/data/{name}.csv", "json": f"/data/{name}.json",
                              "record": f"/data/{name}/<记录编号>.json"})
        self.write(writer, urls.path_for("data"), "data.html", title="开放数据",
                   breadcrumbs=[("首页", "/")], downloads=downloads,
                   sources=self.store.site.get("sources") or [],
                   feeds=self.context.get("gongshi_feeds") or [])


GENERATORS = [OpenDataGenerator]
