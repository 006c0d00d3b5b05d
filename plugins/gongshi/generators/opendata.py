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
    keys = [key for key, _, _, _ in fields]
    # cell() only for what it changes: most values are plain text that starts no formula
    writer.writerows([v if type(v) is str and not v.startswith(FORMULA_START) else cell(v)
                      for v in map(record.get, keys)] for record in records)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def project(record: dict, fields) -> dict:
    return {key: record.get(key) for key, _, _, _ in fields}


def dump(data) -> bytes:
    """json.dumps(data, ensure_ascii=False, indent=1) as UTF-8, byte for byte."""
    return text(data).encode("utf-8")


def text(data) -> str:
    """json.dumps(data, ensure_ascii=False, indent=1), byte for byte. With an indent the json
    module uses its pure-Python encoder (~70 us a record); here the C encoder writes the scalars
    and the indentation is put in around them (_indented); anything unusual goes to json.dumps."""
    try:
        return _indented(data)
    except _Unsupported:
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False)


def dataset_text(texts: list[str]) -> str:
    """text(rows) from text(row) of every row: a list's items are its indent=1 texts shifted one
    level, i.e. a space after every newline. Every newline of a JSON text is indentation: json
    writes a newline inside a string as \\n."""
    if not texts:
        return "[]"
    return "[\n " + ",\n ".join(t.replace("\n", "\n ") for t in texts) + "\n]"


class _Unsupported(Exception):
    pass


_SCALARS = frozenset({str, int, float, bool, type(None)})
_CONTAINERS = frozenset({dict, list, tuple})
# A dict of scalars in one C call: its indent=1 text is this one's inside "{\n " … "\n}".
_flat_dict = json.JSONEncoder(ensure_ascii=False, separators=(",\n ", ": ")).encode
# Scalars in one C call, split at a separator no encoded value contains (json escapes every
# control character inside a string, \x1f too).
_SPLIT = ",\x1f"
_scalar_list = json.JSONEncoder(ensure_ascii=False, separators=(_SPLIT, ":")).encode


def _indented(value) -> str:
    """The indent=1 JSON text of value at level 0 (json's rules: ',' + newline between items,
    ': ' after keys, {} and [] when empty); a nested container's text is its own level-0 text
    shifted one level. Only exact str/int/float/bool/None scalars, str keys and dict/list/tuple
    containers; anything else raises _Unsupported."""
    kind = type(value)
    if kind is dict:
        if not value:
            return "{}"
        nested = False
        for key, item in value.items():
            if type(key) is not str:
                raise _Unsupported(key)
            item_kind = type(item)
            if item_kind in _CONTAINERS:
                nested = True
            elif item_kind not in _SCALARS:
                raise _Unsupported(item)
        if not nested:  # a record of the open data
            return "{\n " + _flat_dict(value)[1:-1] + "\n}"
        items = _items(list(value.values()))
        return "{\n " + ",\n ".join(
            _json_str(key) + ": " + item for key, item in zip(value, items)) + "\n}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        for item in value:
            if type(item) not in _SCALARS and type(item) not in _CONTAINERS:
                raise _Unsupported(item)
        return "[\n " + ",\n ".join(_items(value)) + "\n]"
    if kind is str:
        return _json_str(value)
    if kind in _SCALARS:
        return _scalar_list([value])[1:-1]
    raise _Unsupported(value)


def _items(values) -> list[str]:
    """The texts of a container's items, one level down: scalars from one C call, containers
    by _indented shifted one level."""
    containers = [i for i, v in enumerate(values) if type(v) in _CONTAINERS]
    if not containers:
        return _scalar_list(values)[1:-1].split(_SPLIT)
    flat = list(values)
    for i in containers:
        flat[i] = None
    items = _scalar_list(flat)[1:-1].split(_SPLIT)
    for i in containers:
        items[i] = _indented(values[i]).replace("\n", "\n ")
    return items


class OpenDataGenerator(FamilyGenerator):
    family = "data"
    nav = (90, "data", "开放数据")

    def generate_output(self, writer):
        downloads = []
        for name, (kind, title, fields) in DATASETS.items():
            records = self.store.records(kind)
            # each record's JSON once, for both files (its projected dict is dropped at once:
            # memory at scale 40)
            texts = [text(project(r, fields)) for r in records]
            # write_bytes: on a rebuild, files with unchanged bytes are linked from the last build
            self.write_bytes(f"data/{name}.csv", to_csv(records, fields))
            self.write_bytes(f"data/{name}.json", dataset_text(texts).encode("utf-8"))
            for record, row_text in zip(records, texts):
                self.write_bytes(f"data/{name}/{record.get('id')}.json", row_text.encode("utf-8"))
            downloads.append({"name": name, "title": title, "count": len(records), "fields": fields,
                              "csv": f"/data/{name}.csv", "json": f"/data/{name}.json",
                              "record": f"/data/{name}/<记录编号>.json"})
        self.write(writer, urls.path_for("data"), "data.html", title="开放数据",
                   breadcrumbs=[("首页", "/")], downloads=downloads,
                   sources=self.store.site.get("sources") or [],
                   feeds=self.context.get("gongshi_feeds") or [])


GENERATORS = [OpenDataGenerator]
