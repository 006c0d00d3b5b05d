"""Resolve `--source` (a folder of exports or a sources YAML file) into a list of files to read.

Sources file format (docs in pipeline/pull.py HELP and /tmp interfaces):

    demo: true                      # optional: synthetic demo data
    sources:
      - path: penalties.csv         # relative to the sources file; a folder = every export in it
        table: penalties            # optional when the file stem names the table
        encoding: gb18030           # optional (detected otherwise)
        sheet: Sheet1               # optional for xlsx/xls
        columns: {源列名: 行政相对人名称}  # optional mapping onto domain §2 field names
        values: {状态: 列入}         # optional constant for a column the export lacks

A folder holding a `sources.yaml` (or `sources.yml`) is read through that file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import yaml

from pipeline.errors import PipelineError
from pipeline.readers import EXTENSIONS
from pipeline.tables import TABLES, table_for_stem

SOURCES_FILES = ("sources.yaml", "sources.yml")


@dataclass
class Source:
    path: str
    table: str
    encoding: str | None = None
    sheet: str | int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class SourceSet:
    origin: str
    demo: bool
    sources: list[Source]
    ignored: list[str]  # files found in a folder that name no table


def _folder_files(folder: str) -> list[str]:
    return sorted(os.path.join(folder, n) for n in os.listdir(folder)
                  if n.lower().endswith(EXTENSIONS) and not n.startswith((".", "~$")))


def _from_folder(folder: str, proto: dict, ignored: list[str]) -> list[Source]:
    found = []
    for path in _folder_files(folder):
        table = proto.get("table") or table_for_stem(os.path.splitext(os.path.basename(path))[0])
        if table is None:
            ignored.append(path)
            continue
        found.append(_make(path, table, proto))
    return found


def _make(path: str, table: str, spec: dict) -> Source:
    name = os.path.basename(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        # a name that is not UTF-8 (GBK, from a zip made on Windows) comes from os.listdir with
        # lone surrogates in it; it goes into the report and site.yaml (UTF-8), so it is refused
        # here, shown as GBK would read it (only the base name: the message may be written out)
        shown = os.fsencode(name).decode("gb18030", "replace")
        raise PipelineError(f"{shown}: 文件名不是 UTF-8 编码（常见于 Windows 上打包的压缩文件），"
                            f"请把文件改名（例如改为表名 {table}{os.path.splitext(shown)[1]}）后重新导入") from None
    if table not in TABLES:
        raise PipelineError(f"{path}: 未知的表 {table!r}（可用：{', '.join(TABLES)}）")
    columns = {str(k): str(v) for k, v in (spec.get("columns") or {}).items()}
    for target in columns.values():
        if TABLES[table].field_for(target) is None:
            raise PipelineError(f"{path}: 列映射的目标字段 {target!r} 不是表 {table} 的字段")
    values = {str(k): "" if v is None else str(v) for k, v in (spec.get("values") or {}).items()}
    return Source(path, table, spec.get("encoding"), spec.get("sheet"), columns, values)


def _from_file(sources_file: str) -> SourceSet:
    try:
        with open(sources_file, encoding="utf-8") as fh:
            spec = yaml.safe_load(fh) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PipelineError(f"{sources_file}: 无法读取来源配置（{exc}）") from exc
    base = os.path.dirname(os.path.abspath(sources_file))
    sources, ignored = [], []
    for i, entry in enumerate(spec.get("sources") or [], 1):
        if not isinstance(entry, dict) or not entry.get("path"):
            raise PipelineError(f"{sources_file}: 第{i}个来源缺少 path")
        path = os.path.join(base, str(entry["path"]))
        if os.path.isdir(path):
            sources.extend(_from_folder(path, entry, ignored))
            continue
        table = entry.get("table") or table_for_stem(os.path.splitext(os.path.basename(path))[0])
        if table is None:
            raise PipelineError(f"{path}: 文件名不是表名，请在来源配置中写明 table")
        if not os.path.isfile(path):
            raise PipelineError(f"{path}: 文件不存在（见 {sources_file}）")
        sources.append(_make(path, table, entry))
    return SourceSet(sources_file, bool(spec.get("demo")), sources, ignored)


def resolve(source: str) -> SourceSet:
    """Folder or sources file -> SourceSet; PipelineError when nothing usable is there."""
    if os.path.isdir(source):
        for name in SOURCES_FILES:
            if os.path.isfile(os.path.join(source, name)):
                return _from_file(os.path.join(source, name))
        ignored: list[str] = []
        return SourceSet(source, False, _from_folder(source, {}, ignored), ignored)
    if os.path.isfile(source) and source.lower().endswith((".yaml", ".yml")):
        return _from_file(source)
    if os.path.isfile(source):
        table = table_for_stem(os.path.splitext(os.path.basename(source))[0])
        if table is None:
            raise PipelineError(f"{source}: 文件名不是表名（{', '.join(TABLES)}）")
        return SourceSet(source, False, [_make(source, table, {})], [])
    raise PipelineError(f"{source}: 来源不存在（应为导出文件夹或 sources.yaml）")


@dataclass
class ColumnMap:
    by_index: list[tuple[int, str]]   # (column index in the file, English field key)
    unknown: list[str]                # headers neither mapped nor known: reported, never used
    constants: dict[str, str]         # English key -> value from the source's `values:`
    unmatched: list[str] = field(default_factory=list)  # `columns:` entries naming no header


def map_columns(source: Source, header: list[str]) -> ColumnMap:
    """Match a file's header to the table's fields; PipelineError naming the file and column for a
    missing required column or two columns that claim the same field."""
    from pipeline.tables import normalise_header

    table = TABLES[source.table]
    mapping = {normalise_header(k): v for k, v in source.columns.items()}
    by_index, unknown, seen = [], [], {}
    for i, name in enumerate(header):
        target = mapping.get(normalise_header(name))
        field = table.field_for(target) if target else table.field_for(name)
        if field is None:
            unknown.append(name or f"（第{i + 1}列，无表头）")
            continue
        if field.key in seen:
            raise PipelineError(f"{source.path}: 列“{seen[field.key]}”和“{name}”都对应字段“{field.name}”，"
                                f"请在来源配置的 columns 中只保留一个")
        seen[field.key] = name
        by_index.append((i, field.key))
    constants = {}
    for name, value in source.values.items():
        field = table.field_for(name)
        if field is None:
            raise PipelineError(f"{source.path}: values 中的“{name}”不是表 {source.table} 的字段")
        if field.key not in seen:
            constants[field.key] = value
    missing = [f.name for f in table.required if f.key not in seen and f.key not in constants]
    if missing:
        raise PipelineError(f"{source.path}: 缺少必填列“{'”“'.join(missing)}”（表 {source.table}）；"
                            f"表头为：{'、'.join(h for h in header if h)}")
    headers = {normalise_header(h) for h in header}
    unmatched = [k for k in source.columns if normalise_header(k) not in headers]
    return ColumnMap(by_index, unknown, constants, unmatched)
