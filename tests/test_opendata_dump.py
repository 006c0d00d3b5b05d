"""The open-data JSON writer (generators/opendata.dump) gives json.dumps(indent=1) byte for byte."""

from __future__ import annotations

import glob
import json
import os

import pytest
import yaml

from plugins.gongshi.generators.opendata import dump

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "content")


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
])
def test_dump_matches_json_dumps(value):
    assert dump(value) == _reference(value)


def test_dump_matches_json_dumps_on_every_fixture_record():
    records = _fixture_records()
    assert records, "the fixture content tree should have records"
    for record in records:
        assert dump(record) == _reference(record)
    assert dump(records) == _reference(records)


def test_dump_refuses_what_json_refuses():
    with pytest.raises(TypeError):
        dump({"when": object()})
