"""Validation stage: rows -> typed records or quarantine; duplicates; references between tables.

Records are plain dicts with English keys (pipeline.tables) plus bookkeeping keys starting with
`_`: `_file` (base name), `_row` (row number as seen in the file), `_minor` (party was a minor).
"""

from __future__ import annotations

import os
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from pipeline.errors import Notice, Problem, Quarantined, RowWarning
from pipeline.ids import normalise_identifier as _normalise_identifier
from pipeline.normalise import NOTICE_LABELS, drop_secrets, normalise_row
from pipeline.readers import REPLACEMENT, RawTable
from pipeline.sources import ColumnMap
from pipeline.tables import TABLES

# case numbers and decision numbers recur on every event row: normalise each once
normalise_identifier = lru_cache(maxsize=200_000)(_normalise_identifier)

# Which date a party's age is judged on (is_minor) per table; as_of when missing.
_MINOR_ON = {"penalties": "decision_date", "permits": "decision_date", "cases": "filed_date",
             "blacklist": "listed_date"}

# Row warnings listed one by one per file; the cells beyond are summed up per field and kind (an
# export whose every row carries the same debris must not make a report of 100 000 lines).
MAX_WARNINGS_PER_FILE = 200


@dataclass
class TableState:
    """Everything the pipeline knows about one table while it runs."""

    name: str
    rows: int = 0
    records: list[dict] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    withheld: Counter = field(default_factory=Counter)
    published: int = 0
    provided: bool = False  # at least one source file was given for this table
    reclassified: int = 0   # rows declared as organisations whose code column held an ID number
    warned: list[RowWarning] = field(default_factory=list)  # cells staff must check; rows still used

    def quarantine(self, record: dict, problem: Problem) -> None:
        self.quarantined.append(Quarantined(self.name, record["_file"], record["_row"],
                                            problem.field, problem.reason))


def rows_to_records(state: TableState, raw: RawTable, cmap: ColumnMap, *, as_of: date,
                    is_minor) -> None:
    """Normalise every row of one file; good rows join state.records, bad ones are quarantined.

    Never-publish values are used once (is_minor) and dropped here, before anything else sees them.
    What normalise_row notices about a cell (invisible characters removed, U+FFFD) becomes a row
    warning in state.warned, whether or not the row is quarantined too (staff fix both at once).
    """
    table = TABLES[state.name]
    base = os.path.basename(raw.path)
    state.provided = True
    for number, reason in raw.broken:
        state.rows += 1
        state.quarantined.append(Quarantined(state.name, base, number, "（整行）", reason))
    notices: list[Notice] = []
    listed, beyond = 0, {}  # beyond: (field, kind) -> [cells, first row, last row]
    # constants (sources.yaml `values`) are not in the file the reader looked through
    replacement = raw.replacement or any(REPLACEMENT in value for value in cmap.constants.values())
    order = {f.name: i for i, f in enumerate(table.fields)}
    for number, cells in raw.rows:
        values = dict(cmap.constants)
        values.update((key, cells[i]) for i, key in cmap.by_index if cells[i])
        record, problems = normalise_row(table, values, raw.surrogates, notices, replacement)
        if notices:
            notices.sort(key=lambda n: order[n.field])  # in the columns' order
            for notice in notices:
                if listed < MAX_WARNINGS_PER_FILE:
                    listed += 1
                    state.warned.append(RowWarning(state.name, base, number, notice.field, notice.kind,
                                                   notice.reason))
                else:
                    tally = beyond.setdefault((notice.field, notice.kind), [0, number, number])
                    tally[0] += 1
                    tally[2] = number
            notices.clear()
        id_number = drop_secrets(table, record)
        record["_file"], record["_row"] = base, number
        state.rows += 1
        if problems:
            state.quarantine(record, _combined(problems))
            continue
        if record.get("_person_code") and record.get("party_kind") not in (None, "自然人"):
            # an ID number where the credit code belongs: treat the party as the person it is
            record["party_kind"] = "自然人"
            state.reclassified += 1
        on = record.get(_MINOR_ON.get(state.name, "")) or as_of
        record["_minor"] = bool(id_number) and bool(is_minor(id_number, on))
        state.records.append(record)
    for (name, kind), (count, first, last) in beyond.items():
        rows = f"第{first}行" if first == last else f"第{first}–{last}行"
        state.warned.append(RowWarning(
            state.name, base, first, name, kind,
            f"{rows}另有 {count} 个单元格{NOTICE_LABELS[kind]}，未逐条列出（每个文件只逐条列出前 "
            f"{MAX_WARNINGS_PER_FILE} 条）；请在源数据中检查整列"))


def _combined(problems: list[Problem]) -> Problem:
    """One quarantine entry per row: the first problem, then the others, so staff fix all at once."""
    first, others = problems[0], problems[1:]
    if not others:
        return first
    more = "；".join(f"“{p.field}”{p.reason}" for p in others)
    return Problem(first.field, f"{first.reason}；另有：{more}")


def _content(record: dict) -> tuple:
    # records of one table share their key order (pipeline.tables), so no sorting is needed
    return tuple(tuple(v) if isinstance(v, list) else v for k, v in record.items() if k[0] != "_")


def _dup_key(table_name: str, record: dict) -> tuple:
    """The identifying key; a record missing part of it (a natural person's blacklist row has no
    credit code) can only collapse with an identical row, never conflict with another."""
    values = [record.get(k) for k in TABLES[table_name].key_fields]
    if any(v is None or v == "" for v in values):
        return ("_incomplete",) + _content(record)
    return tuple(normalise_identifier(v) if isinstance(v, str) else v for v in values)


def dedupe(state: TableState) -> None:
    """Identical rows collapse into one (counted as withheld `duplicate`); rows that share a key
    (e.g. decision number) but differ are all quarantined, each naming the others' rows.
    case_events only collapse: two different events on one day are legitimate."""
    groups: dict[tuple, list[dict]] = {}
    for record in state.records:
        groups.setdefault(_dup_key(state.name, record), []).append(record)
    kept: list[dict] = []
    key_names = "、".join(TABLES[state.name].field_named_key(k) for k in TABLES[state.name].key_fields)
    for members in groups.values():
        distinct: dict[tuple, dict] = {}
        for record in members:
            content = _content(record)
            if content in distinct:
                state.withheld["duplicate"] += 1
            else:
                distinct[content] = record
        variants = list(distinct.values())
        if len(variants) == 1 or state.name == "case_events":
            kept.extend(variants)
            continue
        for record in variants:
            others = "、".join(f"{o['_file']} 第{o['_row']}行" for o in variants if o is not record)
            state.quarantine(record, Problem(key_names, f"与 {others} 的{key_names}相同但内容不同（冲突的重复记录）"))
    kept.sort(key=lambda r: (r["_file"], r["_row"]))
    state.records = kept


def _key(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().upper()


class AgencyIndex:
    """Find an agency by credit code or by name (exports use either)."""

    def __init__(self, agencies: list[dict]):
        self.by_code = {_key(a["credit_code"]): a for a in agencies}
        self.by_name = {_key(a["name"]): a for a in agencies}

    def find(self, value: str | None) -> dict | None:
        return self.by_code.get(_key(value)) or self.by_name.get(_key(value))


def _filter(state: TableState, check) -> None:
    """Keep records for which check(record) returns None; quarantine the others with its Problem."""
    kept = []
    for record in state.records:
        problem = check(record)
        if problem is None:
            kept.append(record)
        else:
            state.quarantine(record, problem)
    state.records = kept


# Which validated tables each table's references are resolved against (the pull cache keys a
# table's validation by these, so they must be complete): agencies by name or credit code,
# matters by code, case events by case number.
REFERENCES = {"officers": ("agencies",), "matters": ("agencies",), "major_decisions": ("agencies", "matters"),
              "cases": ("agencies", "matters"), "case_events": ("cases",), "penalties": ("agencies",),
              "permits": ("agencies",)}
_AGENCY_FIELDS = {"officers": ("agency", "所属主体"), "matters": ("agency", "实施主体"),
                  "major_decisions": ("agency", "实施主体"), "cases": ("agency", "实施主体"),
                  "penalties": ("agency_credit_code", "处罚机关统一社会信用代码"),
                  "permits": ("agency_credit_code", "许可机关统一社会信用代码")}


def resolve_references(state: TableState, refs: dict[str, TableState]) -> int:
    """Resolve one table's links in place (adds `agency_id`, `matter_id`), quarantining rows whose
    required link is broken; `refs` holds the validated tables of REFERENCES[state.name]. Returns
    how many records name a matter code that does not exist (a warning, not a quarantine)."""
    from pipeline.ids import agency_id, matter_id

    name = state.name
    if name in _AGENCY_FIELDS:
        field_key, field_name = _AGENCY_FIELDS[name]
        agencies = AgencyIndex(refs["agencies"].records)
        check_agencies = refs["agencies"].provided

        def check(record):
            found = agencies.find(record.get(field_key))
            if found is None and check_agencies:
                return Problem(field_name, f"找不到执法主体“{record.get(field_key)}”（执法主体表中没有此名称或信用代码）")
            record["agency_id"] = agency_id(found["credit_code"]) if found else None
            return None
        _filter(state, check)
    missing = 0
    if name in ("major_decisions", "cases"):
        matter_codes = {normalise_identifier(m["code"]): matter_id(m["code"]) for m in refs["matters"].records}
        for record in state.records:
            code = record.get("matter_code")
            record["matter_id"] = matter_codes.get(normalise_identifier(code)) if code else None
            if code and record["matter_id"] is None:
                missing += 1
    if name == "case_events":
        case_nos = {normalise_identifier(c["case_no"]) for c in refs["cases"].records}
        _filter(state, lambda e: None if normalise_identifier(e["case_no"]) in case_nos
                else Problem("案件编号", f"案件“{e['case_no']}”不在执法案件表中（或该案件已被隔离）"))
    return missing


def reference_warnings(agencies_provided: bool, missing: dict[str, int]) -> list[str]:
    """The warnings of the reference checks, in the report's order."""
    warnings: list[str] = []
    if not agencies_provided:
        warnings.append("未提供执法主体表（agencies），各表的实施主体/处罚机关未核对，也不链接到主体页面")
    for name, count in sorted(missing.items()):
        if count:
            warnings.append(f"{name}: {count} 条记录的事项编码在执法事项表中不存在，已不作链接")
    return warnings


def check_references(states: dict[str, TableState]) -> list[str]:
    """Resolve links between tables in place (adds `agency_id`, `matter_id` …); quarantine rows
    whose link is broken. Returns warnings for links that are optional. Tables are resolved in
    TABLES order, which puts every table after the ones it references."""
    missing = {}
    for name in TABLES:
        if name in REFERENCES:
            missing[name] = resolve_references(states[name], {r: states[r] for r in REFERENCES[name]})
    return reference_warnings(states["agencies"].provided, missing)
