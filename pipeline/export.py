"""Export stage: write content/ (docs/content-contract.md) deterministically.

One YAML file per record, fixed key order, dates as quoted ISO strings. A file is rewritten only
when its bytes change (so one changed record changes one file), and every file of a record that is
no longer publishable is removed, so nothing stale stays under content/.
"""

from __future__ import annotations

import os

import yaml

from pipeline.errors import PipelineError

try:  # the C dumper is several times faster over thousands of small files
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _Dumper

# Folders the pipeline owns under content/ (each is emptied of stale *.yaml on every pull).
FOLDERS = ("agencies", "officers", "matters", "procedures", "major_decisions", "penalties", "permits",
           "withdrawals", "blacklist", "cases", "supervision", "facts")
# Never written under content/, whatever a record builder does by mistake.
FORBIDDEN_KEYS = ("query_code", "id_number", "legal_rep_id_number")


def dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=4096)


def _check(record: dict, where: str) -> None:
    for key in FORBIDDEN_KEYS:
        if key in record:
            raise PipelineError(f"{where}: 内部错误，记录中含不可公开字段 {key}")
    for key in record:
        if key.startswith("_"):
            raise PipelineError(f"{where}: 内部错误，记录中含内部字段 {key}")


def write_if_changed(path: str, text: str) -> bool:
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as fh:
            if fh.read() == data:
                return False
    except FileNotFoundError:
        pass
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    return True


def write_folder(content_dir: str, folder: str, files: dict[str, object]) -> dict[str, int]:
    """Write `<name>.yaml` for each entry of files; delete the folder's other *.yaml files."""
    root = os.path.join(content_dir, folder)
    os.makedirs(root, exist_ok=True)
    written = removed = 0
    for name in sorted(files):
        written += write_if_changed(os.path.join(root, name + ".yaml"), dump(files[name]))
    for name in sorted(os.listdir(root)):
        if name.endswith((".yaml", ".yaml.tmp")) and name.rsplit(".yaml", 1)[0] not in files:
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


def export(content_dir: str, out, site: dict) -> dict[str, dict]:
    """Write every folder and site.yaml; returns per-folder {files, changed, removed}."""
    os.makedirs(content_dir, exist_ok=True)
    stats = {}
    for folder in FOLDERS:
        if folder == "facts":
            files = {name: sorted(items, key=_fact_key) for name, items in out.facts.items()}
        elif folder == "supervision":
            files = {str(item["year"]): item for item in out.supervision}
        else:
            files = _by_id(folder, out.records.get(folder, []))
        stats[folder] = write_folder(content_dir, folder, files)
    write_if_changed(os.path.join(content_dir, "site.yaml"), dump(site))
    return stats
