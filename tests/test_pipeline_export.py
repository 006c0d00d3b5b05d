"""The YAML writer: round trip through yaml.safe_load, quoting, stale-file removal."""

import yaml

from pipeline.export import dump, write_folder

TRICKY = {
    "id": "cf-1", "date": "2024-03-05", "yes": "yes", "null_text": "null", "number_text": "0012",
    "quote": 'a"b\\c', "lines": "一\n二\r\n三", "separators": "x\u2028y\u2029z\x85", "control": "\x01\x7f\x9f",
    "bom": "\ufeff开头", "emoji": "😀", "colon": "key: value # not a comment", "dash": "- item",
    "none": None, "true": True, "false": False, "int": 2000, "zero": 0, "empty_list": [], "empty_dict": {},
    "list": ["a", 1, None, {"k": "v", "inner": [{"x": 1}, []]}, ["n", "m"]],
    "nested": {"a": {"b": {"c": "d"}}},
}


def test_round_trip_of_tricky_values():
    assert yaml.safe_load(dump(TRICKY)) == TRICKY
    assert yaml.safe_load(dump([TRICKY, TRICKY])) == [TRICKY, TRICKY]
    assert yaml.safe_load(dump([])) == [] and yaml.safe_load(dump({})) == {}


def test_dates_are_quoted_strings_and_key_order_is_kept():
    text = dump({"b": "2024-03-05", "a": 1})
    assert text == 'b: "2024-03-05"\na: 1\n'
    assert isinstance(yaml.safe_load(text)["b"], str)


def test_write_folder_writes_changed_files_and_removes_stale(tmp_path):
    stats = write_folder(str(tmp_path), "penalties", {"cf-a": {"id": "cf-a"}, "cf-b": {"id": "cf-b"}})
    assert stats == {"files": 2, "changed": 2, "removed": 0}
    (tmp_path / "penalties" / "notes.txt").write_text("kept: not ours", encoding="utf-8")
    stats = write_folder(str(tmp_path), "penalties", {"cf-a": {"id": "cf-a"}, "cf-c": {"id": "cf-c"}})
    assert stats == {"files": 2, "changed": 1, "removed": 1}
    assert sorted(p.name for p in (tmp_path / "penalties").iterdir()) == ["cf-a.yaml", "cf-c.yaml", "notes.txt"]


def test_facts_are_written_as_dump_of_the_sorted_items():
    """export's shortcut for the facts files (each item emitted once) gives dump()'s bytes."""
    import random

    from pipeline.export import _fact_key, folder_files
    from pipeline.records import Output

    rng = random.Random(7)
    values = [None, True, False, 0, 12, "", "罚款", "a\nb", "2024-03-05", [], {}, ["警告", "罚款"],
              [{"x": 1}, {"y": [1, "二"]}], {"k": {"n": None}}]
    items = [{key: rng.choice(values) for key in ("id", "kinds", "fine_yuan", "status")}
             for _ in range(300)] + [{"id": "same"}, {"id": "same"}]
    out = Output(facts={"penalties-2024": items})
    text = folder_files("facts", out)["penalties-2024"]
    assert text == dump(sorted(items, key=_fact_key))
    assert yaml.safe_load(text) == sorted(items, key=_fact_key)


def test_a_lone_surrogate_stops_the_export_instead_of_writing_a_file_pyyaml_refuses():
    """The pull quarantines such rows (pipeline.normalise); should one reach export anyway, the
    pull fails here with a clear error rather than the render later on an unreadable file."""
    import pytest

    from pipeline.errors import PipelineError

    for value in ({"facts": "事实\ud800"}, {"k\udfff": 1}, ["\udc00"]):
        with pytest.raises(PipelineError, match="U\\+D"):
            dump(value)
    assert yaml.safe_load(dump({"pair": "\U0001f600\U00020bb7"})) == {"pair": "\U0001f600\U00020bb7"}
