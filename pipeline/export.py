"""Export stage: write content/ (docs/content-contract.md) deterministically.

One YAML file per record, fixed key order, dates as quoted ISO strings. A file is rewritten only
when its bytes change (so one changed record changes one file), and every file of a record that is
no longer publishable is removed, so nothing stale stays under content/.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from operator import itemgetter

from pipeline import content_handoff
from pipeline.errors import PipelineError

# Folders the pipeline owns under content/ (each is emptied of stale *.yaml on every pull).
FOLDERS = ("agencies", "officers", "matters", "procedures", "major_decisions", "penalties", "permits",
           "withdrawals", "blacklist", "cases", "supervision", "facts")
# Never written under content/, whatever a record builder does by mistake.
FORBIDDEN_KEYS = ("query_code", "id_number", "legal_rep_id_number")


# Characters PyYAML will not read raw, or reads as line breaks inside a quoted scalar: escape them.
_UNSAFE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
                     "\U00010000-\U0010ffff]")
_PLAIN_KEY = re.compile(r"^[a-z_][a-z0-9_]*$")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}  # read as bool/None


def _escape(match: re.Match) -> str:
    code = ord(match.group(0))
    if 0xD800 <= code <= 0xDFFF:
        # a lone surrogate: its escape is one PyYAML refuses, so the render would fail on the
        # file. The pull quarantines such rows (pipeline.normalise); one here is a bug upstream.
        raise PipelineError(f"内部错误：要写入 content/ 的文本含孤立的代理码位 U+{code:04X}（应在读入时隔离）")
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


@lru_cache(maxsize=65536)
def _quoted(text: str) -> str:
    return _UNSAFE.sub(_escape, json.dumps(text, ensure_ascii=False))


def _scalar(value) -> str:
    """Strings always double-quoted (JSON escapes are valid YAML), so a date stays a string and
    no value is ever read back as another type."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _quoted(value)
    raise PipelineError(f"内部错误：不支持写出的值类型 {type(value).__name__}")


@lru_cache(maxsize=4096, typed=True)  # records share a few dozen keys; typed: True is not 1
def _key(key) -> str:
    plain = isinstance(key, str) and _PLAIN_KEY.match(key) and key not in _YAML11_WORDS
    return key if plain else _scalar(str(key))


def _emit(value, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):  # most values: straight to _quoted, as _scalar would
                out.append(f"{pad}{_key(key)}: {_quoted(item)}\n")
            elif isinstance(item, (dict, list)) and item:
                out.append(f"{pad}{_key(key)}:\n")
                _emit(item, indent + 2 if isinstance(item, dict) else indent, out)
            else:
                out.append(f"{pad}{_key(key)}: {_nested_or_scalar(item)}\n")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                start = len(out)
                _emit(item, indent + 2, out)
                out[start] = f"{pad}- " + out[start][indent + 2:]
            else:
                out.append(f"{pad}- {_nested_or_scalar(item)}\n")


def _nested_or_scalar(value) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def dump(data) -> str:
    """Block-style YAML for the pipeline's records (dicts, lists, str, int, bool, None).

    A small emitter instead of yaml.safe_dump: PyYAML's Python representer took most of the pull's
    time over ~13k files. Output is plain YAML that yaml.safe_load reads back to the same data
    (tests/test_pipeline_export.py checks the round trip), in the records' own key order.
    """
    if isinstance(data, (dict, list)) and data:
        out: list[str] = []
        _emit(data, 0, out)
        return "".join(out)
    return _nested_or_scalar(data) + "\n"


def _check(record: dict, where: str) -> None:
    for key in FORBIDDEN_KEYS:
        if key in record:
            raise PipelineError(f"{where}: 内部错误，记录中含不可公开字段 {key}")
    for key in record:
        if key.startswith("_"):
            raise PipelineError(f"{where}: 内部错误，记录中含内部字段 {key}")


def write_if_changed(path: str, text: str, exists: bool = True) -> bool:
    """Write unless the file already holds exactly these bytes (its mtime then stays)."""
    return _write_stat(path, text.encode("utf-8"), exists)[0]


def _write_stat(path: str, data: bytes, exists: bool) -> tuple[bool, os.stat_result]:
    """(written?, the file's stat after it): write unless the file already holds exactly these
    bytes. fstat on the open file: after the bytes are flushed nothing changes its mtime or
    ctime (the content handoff keys on it). content/ is ours alone; a torn file differs and is
    rewritten next run."""
    if exists:
        try:
            with open(path, "rb") as fh:
                if fh.read() == data:
                    return False, os.fstat(fh.fileno())
        except FileNotFoundError:
            pass
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        return True, os.fstat(fh.fileno())


class Dumped(str):
    """YAML text dump() already made (write_folder writes it as it is). `parsed`, when set, is
    what yaml.safe_load of the text gives (handed to the render: pipeline/content_handoff.py)."""

    parsed = None


def _dumped_list(texts: list[str]) -> Dumped:
    """dump(items) from dump(item) of each non-empty dict item: _emit writes an item at indent 2
    (every line two spaces further in, one line per key or list entry: scalars never span lines)
    and puts "- " in place of its first line's indent."""
    out = []
    for text in texts:
        first, newline, rest = text.partition("\n")
        out.append("- " + first + newline)
        if rest:  # every line ends with "\n" (never another line break: those are escaped)
            out.append("  " + rest[:-1].replace("\n", "\n  ") + "\n")
    return Dumped("".join(out))


def write_folder(content_dir: str, folder: str, files: dict[str, object]) -> dict[str, int]:
    """Write `<name>.yaml` for each entry of files; delete the folder's other *.yaml files."""
    root = os.path.join(content_dir, folder)
    os.makedirs(root, exist_ok=True)
    present = set(os.listdir(root))
    written = removed = 0
    handoff = content_handoff.folder(root)  # None unless the render runs in this process
    for name in sorted(files):
        file_name = name + ".yaml"
        data = files[name]
        text = data if isinstance(data, Dumped) else dump(data)
        raw = text.encode("utf-8")
        changed, st = _write_stat(os.path.join(root, file_name), raw, file_name in present)
        written += changed
        value = data.parsed if isinstance(data, Dumped) else data
        if handoff and value is not None:  # None: a Dumped without its parse, or a null file
            handoff.register(file_name, st, raw, value)
    for name in sorted(present):
        if name.endswith(".yaml") and name[:-5] not in files:
            os.remove(os.path.join(root, name))
            removed += 1
    return {"files": len(files), "changed": written, "removed": removed}


def _by_id(folder: str, records: list[dict]) -> dict[str, dict]:
    files: dict[str, dict] = {}
    for record in records:
        _check(record, f"{folder}/{record.get('id')}")
        if record["id"] in files:
            raise PipelineError(f"{folder}: 内部错误，两个记录的 id 相同（{record['id']}）")
        files[record["id"]] = record
    return files


def _fact_key(item: dict) -> str:
    return dump(item)  # full content: a stable order that does not depend on input row order


def _sorted_facts(items: list) -> object:
    """The items in _fact_key order; as text when they are all non-empty dicts (their dumps are
    both the sort key and the file's lines, so each is emitted once)."""
    if items and all(isinstance(item, dict) and item for item in items):
        # sorted by the dumps alone: items with equal dumps parse to equal values, so which
        # goes first changes neither the text nor its parse
        pairs = sorted(((dump(item), item) for item in items), key=itemgetter(0))
        text = _dumped_list([dumped for dumped, _ in pairs])
        text.parsed = [item for _, item in pairs]  # the text's parse, for the content handoff
        return text
    return sorted(items, key=_fact_key)


def folder_files(folder: str, out) -> dict[str, object]:
    """File name (without .yaml) -> data for one content folder of `out` (records.Output)."""
    if folder == "facts":
        return {name: _sorted_facts(items) for name, items in out.facts.items()}
    if folder == "supervision":
        return {str(item["year"]): item for item in out.supervision}
    return _by_id(folder, out.records.get(folder, []))


def export(content_dir: str, out, site: dict) -> dict[str, dict]:
    """Write every folder and site.yaml; returns per-folder {files, changed, removed}."""
    os.makedirs(content_dir, exist_ok=True)
    stats = {}
    for folder in FOLDERS:
        stats[folder] = write_folder(content_dir, folder, folder_files(folder, out))
    write_if_changed(os.path.join(content_dir, "site.yaml"), dump(site))
    return stats
