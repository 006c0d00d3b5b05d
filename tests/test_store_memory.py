"""The content store keeps one object per distinct key and string (memory at scale 40), and its
parse cache (render_cache.ParsedYaml, <cache>/content.pickle) gives the same records as a parse."""

from __future__ import annotations

import os
import shutil

import yaml

from pipeline.export import dump
from plugins.gongshi import content_yaml
from plugins.gongshi.store import KINDS, ContentStore

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "content")


def _everything(store: ContentStore) -> dict:
    return {kind: store.records(kind) for kind in KINDS} | {"facts#by_table": store.facts()}


def _strings(value, out: list) -> list:
    if isinstance(value, dict):
        for k, v in value.items():
            out.append(k)
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)
    elif isinstance(value, str):
        out.append(value)
    return out


def _assert_shared(store: ContentStore) -> None:
    seen: dict[str, int] = {}
    strings = _strings(list(_everything(store).values()), [])
    for s in strings:
        assert seen.setdefault(s, id(s)) == id(s), f"{s!r} is held twice"
    assert len(seen) < len(strings) / 2  # the fixtures repeat keys, dates and ids


def test_shared_load_is_equal_and_shares_keys_and_strings():
    shared: dict = {}
    text = dump([{"date": "2024-03-05", "status": "有效", "n": 5, "empty": {}, "none": []},
                 {"date": "2024-03-05", "status": "有效", "n": 5, "empty": {}, "none": []}])
    first = content_yaml.load(text, shared)
    second = content_yaml.load(text, shared)
    assert first == second == yaml.safe_load(text)
    for a, b in zip(first + second, first[1:] + second):
        assert [id(k) for k in a] == [id(k) for k in b]
        assert a["date"] is b["date"] and a["status"] is b["status"]
    # containers are never shared: a family that changes one record changes only that one
    assert first[0]["empty"] is not first[1]["empty"] and first[0]["none"] is not second[0]["none"]


def test_share_keeps_values_and_order_of_pyyaml_results():
    shared = {"a": "a"}
    value = yaml.safe_load("b: [x, {a: y}]\na: 2024-03-05\nc: 1\n")
    want = yaml.safe_load("b: [x, {a: y}]\na: 2024-03-05\nc: 1\n")
    got = content_yaml.share(value, shared)
    assert got == want and list(got) == ["b", "a", "c"]
    assert next(k for k in got if k == "a") is shared["a"]


def test_store_shares_strings_across_records_with_and_without_the_parse_cache(tmp_path):
    _assert_shared(ContentStore(FIXTURE))
    cache = str(tmp_path / "content.pickle")
    cold = ContentStore(FIXTURE, parsed_cache=cache)
    _everything(cold)
    cold._parsed.save()
    warm = ContentStore(FIXTURE, parsed_cache=cache)
    assert warm._parsed.old, "the parse cache was not written"
    _assert_shared(warm)  # unpickled hits are shared too


def test_parse_cache_gives_the_parse_and_picks_up_a_changed_file(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    cache = str(tmp_path / "content.pickle")
    first = ContentStore(str(content), parsed_cache=cache)
    assert _everything(first) == _everything(ContentStore(str(content)))
    first._parsed.save()

    path = sorted((content / "penalties").glob("*.yaml"))[0]
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["facts_changed"] = "更正后的违法事实"
    path.write_text(dump(record), encoding="utf-8")

    warm = ContentStore(str(content), parsed_cache=cache)
    got = _everything(warm)
    assert got == _everything(ContentStore(str(content)))
    assert any(r.get("facts_changed") == "更正后的违法事实" for r in got["penalties"])
    # every other file came from the cache
    assert len(warm._parsed.new) == len(first._parsed.new)
