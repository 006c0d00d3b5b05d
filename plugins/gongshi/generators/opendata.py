"""Open data (/data/): CSV (UTF-8 with BOM, so Excel opens it) and JSON per dataset, one JSON per
record, and a page documenting licence, fields and the as-of date of each source. Everything is
made from the published content, so expiry and withdrawal apply here too."""

from __future__ import annotations

import csv
import io
import json
from json.encoder import encode_basestring as _json_str  # the C function json.dumps uses

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
    """json.dumps(data, ensure_ascii=False, indent=1) as UTF-8, byte for byte. With an indent the
    json module uses its pure-Python encoder (~70 us a record); _indented writes the same text
    using the C string encoder, and anything it does not know goes to json.dumps itself."""
    out: list[str] = []
    try:
        _indented(data, 0, out)
    except _Unsupported:
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")
    return "".join(out).encode("utf-8")


class _Unsupported(Exception):
    pass


def _scalar(value):
    """The JSON text of a str, None, bool, exact int or finite float; None for anything else (a
    container, NaN, infinity or a subclass, which json.dumps formats itself)."""
    kind = type(value)
    if kind is str:
        return _json_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float and value - value == 0:  # finite (fine_wan …): json's float.__repr__
        return float.__repr__(value)
    return None


def _indented(value, level: int, out: list[str]) -> None:
    """Append the indent=1 JSON text of value (the json module's rules: ', ' never, ',' + newline
    between items, ': ' after keys, {} and [] when empty). Scalars inside a container are written
    in the container's loop (most values of a record are), without a call per value."""
    text = _scalar(value)
    if text is not None:
        out.append(text)
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        pad = "\n" + " " * (level + 1)
        sep = "{" + pad
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unsupported(key)
            text = _scalar(item)
            if text is not None:
                out.append(sep + _json_str(key) + ": " + text)
            else:
                out.append(sep + _json_str(key) + ": ")
                _indented(item, level + 1, out)
            sep = "," + pad
        out.append("\n" + " " * level + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        pad = "\n" + " " * (level + 1)
        sep = "[" + pad
        for item in value:
            text = _scalar(item)
            if text is not None:
                out.append(sep + text)
            else:
                out.append(sep)
                _indented(item, level + 1, out)
            sep = "," + pad
        out.append("\n" + " " * level + "]")
    else:  # NaN, infinities, subclasses, anything unusual: the json module decides
        raise _Unsupported(value)


class OpenDataGenerator(FamilyGenerator):
    family = "data"
    nav = (90, "data", "开放数据")

    def generate_output(self, writer):
        downloads = []
        for name, (kind, title, fields) in DATASETS.items():
            records = self.store.records(kind)
            rows = [project(r, fields) for r in records]
            # write_bytes: on a rebuild, files with unchanged bytes are linked from the last build
            self.write_bytes(f"data/{name}.csv", to_csv(records, fields))
            self.write_bytes(f"data/{name}.json", dump(rows))
            for row in rows:
                self.write_bytes(f"data/{name}/{row['id']}.json", dump(row))
            downloads.append({"name": name, "title": title, "count": len(rows), "fields": fields,
                              "csv": f"/data/{name}.csv", "json": f"/data/{name}.json",
                              "record": f"/data/{name}/<记录编号>.json"})
        self.write(writer, urls.path_for("data"), "data.html", title="开放数据",
                   breadcrumbs=[("首页", "/")], downloads=downloads,
                   sources=self.store.site.get("sources") or [],
                   feeds=self.context.get("gongshi_feeds") or [])


GENERATORS = [OpenDataGenerator]
