"""The pull hands the records it exported to the render of the same process (content_handoff):
exactly what parsing the files gives, only while the files are as the pull left them, with the
store's shared strings, the parse cache's entries and the build id all as a parse would make them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import time

import pytest
import yaml

from pipeline import content_handoff
from pipeline.export import dump, write_folder
from plugins.gongshi.store import KINDS, BuildId, ContentStore, _parse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(REPO, "tests", "fixtures", "content")


def _same(a, b, where="") -> None:
    """a == b with the same types all the way down and the same key order (== ignores both),
    and no dict or list of `a` shared with `b`."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if type(a) is dict:
        assert list(a) == list(b), f"{where}: key order"
        assert a is not b
        for key in a:
            assert type(key) is str, f"{where}: key {key!r}"
            _same(a[key], b[key], f"{where}.{key}")
    elif type(a) is list:
        assert len(a) == len(b) and a is not b, where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def _containers(value, out: list) -> list:
    if isinstance(value, (dict, list)):
        out.append(value)
        for item in value.values() if isinstance(value, dict) else value:
            _containers(item, out)
    return out


def _strings(value, out: list) -> list:
    if isinstance(value, dict):
        for key, item in value.items():
            out.append(key)
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)
    elif isinstance(value, str):
        out.append(value)
    return out


def _everything(store: ContentStore) -> dict:
    return {kind: store.records(kind) for kind in KINDS}


def _old_build_id(root: str, as_of: str) -> str:
    """ContentStore.build_id as it was: every file under content/ read again."""
    digest = hashlib.sha256(as_of.encode("utf-8"))
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            digest.update(os.path.relpath(path, root).encode("utf-8") + b"\0")
            with open(path, "rb") as fh:
                digest.update(hashlib.sha256(fh.read()).digest())
    return digest.hexdigest()[:10]


RECORDS = {
    "cf-a": {"id": "cf-a", "agency_id": "ag-1", "status": "有效", "fine": 5000, "paid": True,
             "note": None, "kinds": ["警告", "罚款"], "events": [{"stage": "立案", "date": "2024-03-05"}],
             "empty": {}, "none": []},
    "cf-b": {"id": "cf-b", "agency_id": "ag-1", "status": "有效", "fine": 0, "paid": False,
             "note": "x\u2028y\x85\U0001f600z\r\n", "kinds": [], "events": [], "empty": {}, "none": []},
}


def _records() -> dict:
    """Fresh copies with fresh (equal, not identical) strings, as a pull makes them."""
    def fresh(value):
        if isinstance(value, dict):
            return {"".join(list(k)): fresh(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fresh(v) for v in value]
        return "".join(list(value)) if isinstance(value, str) else value
    return fresh(RECORDS)


def test_every_file_of_the_demo_pull_is_handed_over_exactly_as_parsed(demo_exports, tmp_path,
                                                                       handoff_takes):
    """The full scale-1 demo: every content file the pull writes is handed over, and each value
    is what yaml.safe_load and the store's reader give for the file: same types, same key order,
    no container shared with another file."""
    from pipeline.pull import pull

    content = str(tmp_path / "content")
    with content_handoff.session():
        pull(demo_exports, as_of=dt.date(2026, 11, 20), content_dir=content,
             codes_path=str(tmp_path / "private" / "codes.csv"), progress=False)
        registered = set(content_handoff._state.entries)
        # the pull's memo caches are emptied when it ends (pull.release_caches: render memory)
        from pipeline import export, normalise
        assert export._quoted.cache_info().currsize == 0
        assert normalise.uscc_valid.cache_info().currsize == 0
        files = [os.path.join(root, name) for root, _, names in os.walk(content)
                 for name in names if name.endswith(".yaml") and root != content]
        assert len(files) > 5000 and registered == set(files)
        seen_ids: set[int] = set()
        kept = []  # alive, so no id below is reused by a later file's containers
        for path in sorted(files):
            handed = content_handoff.take(path)
            assert handed is not None, path
            value, digest = handed
            kept.append(value)
            with open(path, "rb") as fh:
                data = fh.read()
            assert digest == hashlib.sha256(data).digest()
            _same(value, yaml.safe_load(data.decode("utf-8")), path)
            _same(value, _parse(data), path)
            for container in _containers(value, []):
                assert id(container) not in seen_ids, f"{path}: a container shared with another file"
                seen_ids.add(id(container))
    assert handoff_takes["hit"] == len(files) and handoff_takes["miss"] == 0


def test_the_store_takes_handed_records_and_drops_them(tmp_path, handoff_takes):
    content = str(tmp_path / "content")
    with content_handoff.session():
        write_folder(content, "penalties", _records())
        store = ContentStore(content)
        got = store.records("penalties")
        assert handoff_takes == {"hit": 2, "miss": 0}
        assert not content_handoff._state.entries, "taken entries must not stay alive"
    _same(got, _everything(ContentStore(content))["penalties"])


def test_outside_a_session_nothing_is_registered(tmp_path):
    write_folder(str(tmp_path / "content"), "penalties", _records())
    assert content_handoff.folder(str(tmp_path / "content")) is None
    assert not content_handoff._state.entries and not content_handoff.active()


def test_the_handoff_is_dropped_when_the_session_ends_even_on_failure(tmp_path):
    with pytest.raises(RuntimeError):
        with content_handoff.session():
            write_folder(str(tmp_path / "content"), "penalties", _records())
            assert len(content_handoff._state.entries) == 2
            raise RuntimeError("the pull failed")
    assert not content_handoff._state.entries and not content_handoff.active()


def test_a_file_edited_after_the_pull_is_read_again(tmp_path, handoff_takes):
    content = tmp_path / "content"
    with content_handoff.session():
        write_folder(str(content), "penalties", _records())
        a, b = content / "penalties" / "cf-a.yaml", content / "penalties" / "cf-b.yaml"
        changed = dict(RECORDS["cf-a"], status="撤销")
        a.write_text(dump(changed), encoding="utf-8")  # another size
        # the same size and the mtime set back: only the ctime tells (time for it to move)
        time.sleep(0.05)
        before = b.stat()
        text = b.read_text(encoding="utf-8")
        b.write_text(text.replace('"有效"', '"无效"'), encoding="utf-8")
        os.utime(b, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert b.stat().st_size == before.st_size
        got = ContentStore(str(content)).records("penalties")
    assert handoff_takes == {"hit": 0, "miss": 2}
    _same(got[0], changed)
    assert got[1]["status"] == "无效"


def test_a_render_in_another_process_reads_the_files(tmp_path):
    content = str(tmp_path / "content")
    with content_handoff.session():
        write_folder(content, "penalties", _records())
        script = ("import json, sys; sys.path.insert(0, sys.argv[1])\n"
                  "from pipeline import content_handoff as h\n"
                  "from plugins.gongshi.store import ContentStore\n"
                  "taken = []\n"
                  "take = h.take\n"
                  "h.take = lambda p: taken.append(take(p)) or taken[-1]\n"
                  "records = ContentStore(sys.argv[2]).records('penalties')\n"
                  "print(json.dumps([records, [t is not None for t in taken]], ensure_ascii=False))\n")
        out = subprocess.run([sys.executable, "-c", script, REPO, content], check=True,
                             capture_output=True, text=True).stdout
        in_process = ContentStore(content).records("penalties")
    records, hits = json.loads(out)
    assert hits == [False, False]
    assert records == in_process


def test_handed_and_parsed_strings_are_one_object_each(tmp_path):
    """The store adopts the handoff's table: a file it parses (here: edited after the pull)
    shares keys and strings with the handed records, so memory does not grow."""
    content = tmp_path / "content"
    with content_handoff.session():
        write_folder(str(content), "penalties", _records())
        write_folder(str(content), "permits", {"xk-1": {"id": "xk-1", "agency_id": "ag-1",
                                                         "status": "有效"}})
        path = content / "permits" / "xk-1.yaml"
        path.write_text(path.read_text(encoding="utf-8") + 'note: "有效"\n', encoding="utf-8")
        store = ContentStore(str(content))
        everything = [store.records("penalties"), store.records("permits")]
    seen: dict[str, int] = {}
    strings = _strings(everything, [])
    for s in strings:
        assert seen.setdefault(s, id(s)) == id(s), f"{s!r} is held twice"
    assert len(seen) < len(strings)


def test_a_container_used_twice_in_a_file_is_parsed_and_one_two_files_share_is_copied(
        tmp_path, handoff_takes):
    records = _records()
    shared_list = ["警告"]
    records["cf-a"]["kinds"] = records["cf-b"]["kinds"] = shared_list
    records["cf-c"] = {"id": "cf-c", "twice": [shared_list[:1], [1]], "events": []}
    records["cf-c"]["events"] = records["cf-c"]["twice"]  # one file, the same list twice
    content = str(tmp_path / "content")
    with content_handoff.session():
        write_folder(content, "penalties", records)
        got = ContentStore(content).records("penalties")
    # cf-a and cf-b are handed as separate pickles (each its own list, as parsing gives);
    # cf-c holds one list twice, which a pickle would keep: it is parsed
    assert handoff_takes == {"hit": 2, "miss": 1}
    _same(got, _everything(ContentStore(content))["penalties"])
    assert got[0]["kinds"] is not got[1]["kinds"]
    assert got[2]["twice"] is not got[2]["events"]


def test_values_parsing_cannot_give_back_are_not_handed(tmp_path, handoff_takes):
    class Text(str):
        pass

    records = _records()
    records["cf-a"]["note"] = Text("子类")
    records["cf-b"]["by_year"] = {2024: 3}  # dump writes the key as the string "2024"
    content = str(tmp_path / "content")
    with content_handoff.session():
        write_folder(content, "penalties", records)
        got = ContentStore(content).records("penalties")
    assert handoff_takes == {"hit": 0, "miss": 2}
    assert type(got[0]["note"]) is str and got[1]["by_year"] == {"2024": 3}


def test_facts_text_is_handed_over_as_its_parse(tmp_path, handoff_takes):
    from pipeline.export import folder_files
    from pipeline.records import Output

    items = [{"id": f"cf-{i % 7}", "kinds": ["罚款"] if i % 2 else [], "fine": i * 10, "x": None}
             for i in range(40)] + [{"id": "same"}, {"id": "same"}]
    files = folder_files("facts", Output(facts={"penalties-2024": items, "permits-2024": []}))
    content = str(tmp_path / "content")
    with content_handoff.session():
        write_folder(content, "facts", files)
        store = ContentStore(content)
        handed = store.facts()
    assert handoff_takes["hit"] == 2
    _same(handed, ContentStore(content).facts())


def test_the_parse_cache_records_handed_files_as_a_parse_would(tmp_path):
    """With GONGSHI_RENDER_CACHE: the same entries (path, digest) and values for the next build,
    so its hits and derived keys (inputs_digest) are those of a build that parsed."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    exported = {kind: {p.name[:-5]: yaml.safe_load(p.read_text(encoding="utf-8"))
                       for p in sorted((content / kind).glob("*.yaml"))}
                for kind in ("penalties", "permits")}
    for kind, records in exported.items():  # the fixture is hand-written: as the pull writes it
        write_folder(str(content), kind, records)
    parsed_cache, handed_cache = str(tmp_path / "parsed.pickle"), str(tmp_path / "handed.pickle")
    parsed = ContentStore(str(content), parsed_cache=parsed_cache)
    want = _everything(parsed)
    with content_handoff.session():
        for kind, records in exported.items():
            assert write_folder(str(content), kind, records)["changed"] == 0  # found unchanged
        assert len(content_handoff._state.entries) == sum(map(len, exported.values()))
        handed = ContentStore(str(content), parsed_cache=handed_cache)
        got = _everything(handed)
        assert not content_handoff._state.entries
    _same(got, want)
    assert {r: e[0] for r, e in handed._parsed.new.items()} == \
        {r: e[0] for r, e in parsed._parsed.new.items()}
    for rel, entry in handed._parsed.new.items():
        _same(pickle.loads(entry[1]), pickle.loads(parsed._parsed.new[rel][1]), rel)
    kinds = ("penalties", "permits", "agencies")
    assert handed.inputs_digest(kinds) == parsed.inputs_digest(kinds)


def test_build_id_is_the_full_read_value_and_follows_every_file(tmp_path, handoff_takes):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    (content / "notes.txt").write_text("not a record", encoding="utf-8")
    (content / "penalties" / "extra").mkdir()
    (content / "penalties" / "extra" / "x.bin").write_bytes(b"\x00\x01")
    as_of = str(ContentStore(str(content)).site.get("as_of", ""))
    want = _old_build_id(str(content), as_of)
    assert ContentStore(str(content)).build_id == want            # nothing loaded
    store = ContentStore(str(content))
    store.records("penalties")
    assert store.build_id == want                                 # some kinds loaded
    store = ContentStore(str(content))
    _everything(store)
    store.facts()
    assert str(BuildId(store)) == want and store.build_id == want  # all loaded
    records = {p.name[:-5]: yaml.safe_load(p.read_text(encoding="utf-8"))
               for p in sorted((content / "agencies").glob("*.yaml"))}
    with content_handoff.session():
        write_folder(str(content), "agencies", records)  # as the pull writes them: new bytes
        want = _old_build_id(str(content), as_of)
        store = ContentStore(str(content))
        _everything(store)
        assert store.build_id == want                             # handed digests
        assert handoff_takes["hit"] == len(records)
    for changed in (content / "penalties" / sorted(os.listdir(content / "penalties"))[0],
                    content / "notes.txt", content / "penalties" / "extra" / "x.bin",
                    content / "site.yaml"):
        with open(changed, "a", encoding="utf-8") as fh:
            fh.write("# changed\n")
        store = ContentStore(str(content))
        _everything(store)
        new = store.build_id
        assert new != want and new == _old_build_id(str(content), str(store.site.get("as_of", "")))
        want = new


def test_build_id_global_renders_and_keys_like_the_value(tmp_path):
    from jinja2 import Environment

    from plugins.gongshi.render_cache import stable_json

    store = ContentStore(FIXTURE)
    lazy = BuildId(store)
    env = Environment(autoescape=True)
    assert env.from_string("{{ build_id }}|{{ build_id }}").render(build_id=lazy) == \
        f"{store.build_id}|{store.build_id}"
    assert store.build_id in stable_json({"build_id": lazy})
