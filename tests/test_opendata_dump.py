"""The open-data JSON writer (generators/opendata.dump) gives json.dumps(indent=1) byte for byte."""

from __future__ import annotations

import glob
import json
import os

import pytest
import yaml

from collections import OrderedDict

from plugins.gongshi.generators.opendata import cell, dataset_text, dump, text, to_csv

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "content")


class _Str(str):
    pass


def _reference(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")


def _fixture_records() -> list:
    records = []
    for path in sorted(glob.glob(os.path.join(FIXTURE, "*", "*.yaml"))):
        with open(path, encoding="utf-8") as fh:
            records.append(yaml.safe_load(fh))
    return records


@pytest.mark.parametrize("value", [
    {}, [], "", None, True, False, 0, -7, 10**20, 1.5, float("inf"), "引号\"与\\反斜杠\n换行\u2028",
    {"a": [], "b": {}, "c": [1, [2, {"x": None, "y": [True, False]}]], "d": 0.1},
    {"id": "cf-1", "kinds": ["罚款", "警告"], "fine_yuan": 11000, "major": True, "note": None},
    [{"k": "v"}, [], [[]], {"nested": {"deeper": ["\t", "\x00", "😀"]}}],
    {1: "int key", None: "none key"},  # non-string keys: json.dumps decides
    ("tuple", "as", "list"),
    {"fine_wan": 13.4, "x": [0.1, -0.0, 1e16, 1e-7, 2.0, float("nan"), float("-inf")]},
    {"sep": "a,\x1fb", "ctl": "\x1f,\n ", "nan": float("nan"), "big": -10**30, "t": (1, (2,))},
    {"od": OrderedDict(a=1), "s": _Str("子类"), "i": True.__class__(False)},  # subclasses
    OrderedDict(b=[OrderedDict()]), [_Str("x"), 1, {"k": _Str("v")}], _Str("top"), 3, None,
])
def test_dump_matches_json_dumps(value):
    assert dump(value) == _reference(value)
    assert text(value).encode("utf-8") == _reference(value)


@pytest.mark.parametrize("rows", [
    [], [{}], [{"a": 1}, {}, {"b": ["x", {"c": []}]}], [{"nested": {"n": "新\n行"}}, {"k": None}],
    [{1: "json.dumps decides"}, {"v": 1}],
])
def test_dataset_text_is_the_list_dumped(rows):
    assert dataset_text([text(r) for r in rows]).encode("utf-8") == _reference(rows)


def test_dump_matches_json_dumps_on_every_fixture_record():
    records = _fixture_records()
    assert records, "the fixture content tree should have records"
    for record in records:
        assert dump(record) == _reference(record)
    assert dump(records) == _reference(records)
    assert dataset_text([text(r) for r in records]).encode("utf-8") == _reference(records)


def test_csv_rows_are_cell_of_every_value():
    """to_csv skips cell() for plain text that starts no formula: same cells as calling it."""
    import csv
    import io

    fields = [(k, k, "", "") for k in ("a", "b", "c")]
    records = [{"a": "=1", "b": "-2", "c": "正常"}, {"a": None, "b": True, "c": ["x", "@y"]},
               {"a": 1.5, "b": 0, "c": _Str("+sub")}, {"a": "", "b": "\t", "c": "a,\"b\"\n"}, {}]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["a", "b", "c"])
    for record in records:
        writer.writerow([cell(record.get(k)) for k in ("a", "b", "c")])
    assert to_csv(records, fields) == ("\ufeff" + buffer.getvalue()).encode("utf-8")


def test_dump_refuses_what_json_refuses():
    with pytest.raises(TypeError):
        dump({"when": object()})
