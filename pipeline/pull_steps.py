"""The pull's stages as cacheable steps: read one file, validate one table, build one family,
write one content/ folder (see pipeline/pull_cache.py for the keys and what is stored).

Without a cache folder every step simply runs, in the same order and with the same code, so a
cached pull and an uncached one produce the same content/, report and codes: a step either
computes its result here or returns the one it computed from identical inputs before.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter

from tqdm import tqdm

from pipeline.errors import PipelineError
from pipeline.pull_cache import PullCache, folder_stamps
from pipeline.readers import read_file
from pipeline.report import Report
from pipeline.sources import map_columns
from pipeline.tables import TABLES
from pipeline.validate import (_MINOR_ON, REFERENCES, TableState, dedupe, reference_warnings,
                               resolve_references, rows_to_records)

log = logging.getLogger("gongshi.pull")


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _header_and_columns(src, raw):
    """Map the header; when the first row is a title (some platforms put 《…公示表》 above the
    header), take the first of the next few rows that has every required column."""
    try:
        return raw, map_columns(src, raw.header)
    except PipelineError as first_error:
        for index in range(1, min(6, len(raw.records))):
            candidate = raw.with_header_at(index)
            try:
                cmap = map_columns(src, candidate.header)
            except PipelineError:
                continue
            log.warning("%s：表头在第%d行，上面的行已跳过", os.path.basename(src.path), raw.records[index][0])
            return candidate, cmap
        raise first_error


# --- read --------------------------------------------------------------------------------------

def _uses_as_of(table: str) -> bool:
    """rows_to_records judges a party's age on the record's own date, or on as_of for a table
    without one; only tables with an ID-number column judge age at all."""
    return table not in _MINOR_ON and any(f.never_publish for f in TABLES[table].fields)


def _read(src, as_of) -> tuple[dict, tuple[list, list, list]]:
    """One export file -> (report lines and counts, (records, quarantined rows, row warnings))."""
    from pipeline.sanitize import is_minor

    raw, cmap = _header_and_columns(src, read_file(src.path, encoding=src.encoding, sheet=src.sheet))
    state = TableState(src.table)
    rows_to_records(state, raw, cmap, as_of=as_of, is_minor=is_minor)
    meta = {"unknown": list(cmap.unknown), "unmatched": list(cmap.unmatched), "encoding": raw.encoding,
            "rows": state.rows, "bad": len(state.quarantined), "reclassified": state.reclassified,
            "warned": len(state.warned)}
    return meta, (state.records, state.quarantined, state.warned)


class Read:
    """One file's read: its report lines at once; its records are only kept in this pull (the
    validated table is what the cache stores), so a cached file is read again if its table is
    validated again (another file of the table, or a table it references, changed)."""

    def __init__(self, src, as_of, key: str, meta: dict, data=None):
        self.src, self.as_of, self.key, self.meta, self._data = src, as_of, key, meta, data

    @property
    def data(self):
        if self._data is None:
            self.meta, self._data = _read(self.src, self.as_of)
        return self._data


def read_sources(spec, report: Report, as_of, progress: bool, cache: PullCache):
    """Every source file -> (inputs for site.yaml, {table: [(key, Read)]})."""
    inputs, reads = [], {name: [] for name in TABLES}
    for index, src in enumerate(tqdm(spec.sources, desc="读取导出文件", unit="个", disable=not progress)):
        base = os.path.basename(src.path)
        sha = _sha256(src.path)
        key = cache.key("read", src.table, base, src.encoding, src.sheet, src.columns, src.values, sha,
                        as_of if _uses_as_of(src.table) else None)
        name = f"read-{index}"
        unit = cache.get(name, key)
        if unit is None:
            meta, data = _read(src, as_of)
            cache.put(name, key, meta, None)
            read = Read(src, as_of, key, meta, data)
        else:
            read = Read(src, as_of, key, unit.meta)
        meta = read.meta
        if meta["unknown"]:
            report.unknown_columns[base] = meta["unknown"]
            log.warning("%s：%d 个列未识别，未使用（%s）", base, len(meta["unknown"]), "、".join(meta["unknown"]))
        for column in meta["unmatched"]:
            report.warnings.append(f"{base}：来源配置 columns 中的列“{column}”在文件表头中不存在")
        bad, warned = meta["bad"], meta["warned"]
        log.info("读取 %s（表 %s，%s）：%d 行%s%s", base, src.table, meta["encoding"] or "电子表格", meta["rows"],
                 f"，其中 {bad} 行有问题已隔离" if bad else "", f"，{warned} 条单元格警告" if warned else "")
        reads[src.table].append((key, read))
        inputs.append({"table": src.table, "file": base, "sha256": sha, "rows": meta["rows"],
                       "encoding": meta["encoding"]})
    return sorted(inputs, key=lambda i: (i["table"], i["file"])), reads


# --- validate ----------------------------------------------------------------------------------

class Validated:
    """One table after duplicates and references: counts at once, records when asked for."""

    def __init__(self, name: str, key: str, unit):
        self.name, self.key, self.unit = name, key, unit
        self.meta = unit.meta

    @property
    def records(self) -> list[dict]:
        return self.unit.data

    @property
    def provided(self) -> bool:
        return self.meta["provided"]

    def state(self) -> TableState:
        """A TableState for a record builder: these records, nothing published or withheld yet."""
        return TableState(self.name, records=self.records, provided=self.provided)


def validate_tables(reads, report: Report, cache: PullCache) -> dict[str, Validated]:
    tables: dict[str, Validated] = {}
    for name in TABLES:  # every table after the ones it references
        deps = REFERENCES.get(name, ())
        key = cache.key("validate", name, [k for k, _ in reads[name]], [tables[d].key for d in deps])
        unit = cache.get("validate-" + name, key)
        if unit is None:
            state = TableState(name)
            for _, read in reads[name]:
                records, quarantined, warned = read.data
                state.provided = True
                state.rows += read.meta["rows"]
                state.reclassified += read.meta["reclassified"]
                state.records.extend(records)
                state.quarantined.extend(quarantined)
                state.warned.extend(warned)
            dedupe(state)
            missing = resolve_references(state, {d: tables[d] for d in deps}) if deps else 0
            meta = {"rows": state.rows, "provided": state.provided, "reclassified": state.reclassified,
                    "quarantined": state.quarantined, "warned": state.warned, "withheld": dict(state.withheld),
                    "count": len(state.records), "missing": missing}
            unit = cache.put("validate-" + name, key, meta, state.records)
        tables[name] = Validated(name, key, unit)
    report.warnings.extend(reference_warnings(tables["agencies"].provided,
                                              {n: t.meta["missing"] for n, t in tables.items()}))
    report.warnings.extend(f"{t.name}：{t.meta['reclassified']} 行的当事人代码是身份证号码，已按自然人处理（不公开姓名）"
                           for t in tables.values() if t.meta["reclassified"])
    return tables


def final_state(table: Validated, counts: list[tuple[int, dict]]) -> TableState:
    """The table as the report shows it: validation's counts plus every build step's."""
    state = TableState(table.name, rows=table.meta["rows"], quarantined=list(table.meta["quarantined"]),
                       withheld=Counter(table.meta["withheld"]), provided=table.provided,
                       reclassified=table.meta["reclassified"], warned=list(table.meta["warned"]))
    for published, withheld in counts:
        state.published += published
        for reason, n in withheld.items():
            state.withheld[reason] += n
    return state


# --- export ------------------------------------------------------------------------------------

# Which build steps' records each content/ folder holds.
FOLDER_STEPS = {"agencies": ("agencies",), "officers": ("officers",), "matters": ("matters",),
                "procedures": ("procedures",), "major_decisions": ("major_decisions",),
                "penalties": ("penalties",), "permits": ("permits",),
                "withdrawals": ("penalties", "permits"), "blacklist": ("blacklist",), "cases": ("cases",),
                "supervision": ("supervision",), "facts": ("penalties", "permits")}


def export_folders(content_dir: str, steps: dict, site: dict, cache: PullCache) -> dict[str, dict]:
    """Write every folder (export.FOLDERS) and site.yaml. `steps`: build step name -> (key, unit
    whose data is its Output). A folder whose steps' keys are those of the last export into this
    content folder, and whose files are exactly as that export left them, is not touched."""
    from pipeline import records as rec
    from pipeline.export import FOLDERS, folder_files, write_folder, write_if_changed

    os.makedirs(content_dir, exist_ok=True)
    manifest = cache.manifest(content_dir)
    kept, todo, stats = {}, [], {}
    for folder in FOLDERS:
        key = cache.key("export", folder, [steps[s][0] for s in FOLDER_STEPS[folder]])
        old = manifest.get(folder)
        if cache.enabled and old and old[0] == key and folder_stamps(os.path.join(content_dir, folder)) == old[1]:
            kept[folder] = old
            stats[folder] = {"files": len(old[1]), "changed": 0, "removed": 0}
        else:
            todo.append((folder, key))
    if todo:
        cache.save_manifest(content_dir, None)  # a pull killed while writing leaves no folder trusted
    for folder, key in todo:
        out = rec.Output()
        for step in FOLDER_STEPS[folder]:
            part = steps[step][1].data
            out.records.setdefault(folder, []).extend(part.records.get(folder, []))
            out.facts.update(part.facts)
            out.supervision.extend(part.supervision)
        stats[folder] = write_folder(content_dir, folder, folder_files(folder, out))
        kept[folder] = (key, folder_stamps(os.path.join(content_dir, folder)))
    write_if_changed(os.path.join(content_dir, "site.yaml"), _dump(site))
    if todo or not manifest:
        cache.save_manifest(content_dir, kept)
    return stats


def _dump(data) -> str:
    from pipeline.export import dump
    return dump(data)


# --- build (publication rules, masking, scrub) -------------------------------------------------

def load_procedures() -> list[dict]:
    import yaml
    path = os.path.join(os.path.dirname(__file__), "reference", "procedures.yaml")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        return (yaml.safe_load(fh) or {}).get("procedures") or []


def procedure_records(procedures: list[dict], cite) -> list[dict]:
    """content/procedures: contract keys first, then the reference file's computable extras."""
    def item(entry: dict) -> dict:
        raws = entry.get("citations") or []
        out = {"name": entry.get("name"), "description": entry.get("description"),
               "time_limit": entry.get("time_limit"),
               "citations": [c for raw in raws for c in cite(raw)]}
        out.update({k: entry[k] for k in ("stage", "optional", "days", "working_days") if k in entry})
        return out

    return [{"id": p["id"], "name": p["name"], "summary": p.get("summary"),
             "categories": list(p.get("categories") or []),
             "steps": [item(s) for s in p.get("steps") or []],
             "rights": [item(s) for s in p.get("rights") or []],
             "remedies": [item(s) for s in p.get("remedies") or []]} for p in procedures]


class Inputs:
    """What the build steps share, each made on first use (an all-cached pull makes none)."""

    def __init__(self, tables: dict[str, Validated], report: Report, as_of, cache: PullCache):
        self.tables, self.report, self.as_of, self.cache = tables, report, as_of, cache
        self._made: dict = {}

    def _once(self, name, make):
        if name not in self._made:
            self._made[name] = make()
        return self._made[name]

    @property
    def rules(self):
        from pipeline.rules import load_rules
        return self._once("rules", load_rules)

    @property
    def procedures(self):
        return self._once("procedures", load_procedures)

    @property
    def cite(self):
        from pipeline import records as rec
        return self._once("cite", lambda: rec.Citer(library()))

    @property
    def officers_by_agency(self) -> dict[str, tuple[str, ...]]:
        """{agency id: its registered officers' names}: case notes may name them (records.Party.scrub)."""
        def make():
            found: dict[str, set] = {}
            for r in self.tables["officers"].records:
                if r.get("agency_id") and r.get("name"):
                    found.setdefault(r["agency_id"], set()).add(r["name"])
            return {agency: tuple(sorted(names)) for agency, names in found.items()}
        return self._once("officers", make)

    @property
    def events_by_case(self):
        from pipeline import records as rec
        return self._once("events", lambda: rec.link_cases(self.tables["cases"], self.tables["case_events"]))

    def links(self):
        """decision_links, itself cached: a penalty-only change needs no case events."""
        from pipeline import records as rec
        t = self.tables
        key = self.cache.key("links", t["cases"].key, t["case_events"].key)
        unit = self.cache.get("links", key)
        if unit is None:
            unit = self.cache.put("links", key, None, rec.decision_links(t["cases"], self.events_by_case))
        return unit.data


def library():
    """The law texts, or None when they cannot be read (citations then stay unresolved text;
    library_problem() reports it)."""
    from pipeline.laws import load_library
    try:
        return load_library()
    except Exception:  # laws are input data
        return None


def library_warning(exc) -> str:
    return f"法律文本无法读取，引用不作链接：{exc}"


def library_problem(cache: PullCache) -> str | None:
    """The report line for unreadable law texts (None when they load), cached with their digest
    so a pull whose steps are all cached does not parse them."""
    key = cache.key("laws", cache.laws_key())
    unit = cache.get("laws", key)
    if unit is None:
        from pipeline.laws import load_library
        try:
            load_library()
            problem = None
        except Exception as exc:
            problem = library_warning(exc)
        unit = cache.put("laws", key, problem, None)
    return unit.meta


def _run_agencies(inp, out, st):
    from pipeline import records as rec
    rec.build_agencies(st["agencies"], out)


def _run_officers(inp, out, st):
    from pipeline import records as rec
    rec.build_officers(st["officers"], out, inp.as_of)


def _run_matters(inp, out, st):
    from pipeline import records as rec
    rec.build_matters(st["matters"], out, inp.cite, inp.procedures)


def _run_procedures(inp, out, st):
    for p in procedure_records(inp.procedures, inp.cite):
        out.add("procedures", p)


def _run_major_decisions(inp, out, st):
    from pipeline import records as rec
    rec.build_major_decisions(st["major_decisions"], out, inp.cite)


def _run_penalties(inp, out, st):
    from pipeline import records as rec
    ids = rec.build_penalties(st["penalties"], None, None, out, as_of=inp.as_of, rules=inp.rules,
                              cite=inp.cite, links=inp.links())
    return {"penalty_ids": ids}


def _run_permits(inp, out, st):
    from pipeline import records as rec
    rec.build_permits(st["permits"], out, as_of=inp.as_of, rules=inp.rules)


def _run_blacklist(inp, out, st):
    from pipeline import records as rec
    rec.build_blacklist(st["blacklist"], out, as_of=inp.as_of, rules=inp.rules, cite=inp.cite)


def _run_cases(inp, out, st, penalty_ids):
    from pipeline import records as rec
    return {"codes_input": rec.build_cases(st["cases"], st["case_events"], inp.events_by_case, penalty_ids, out,
                                           officers=inp.officers_by_agency)}


def _run_supervision(inp, out, st):
    from pipeline import records as rec
    rec.build_supervision(st["supervision"], out)


# (label for timings, step name, tables it counts, tables its key covers, uses as_of, uses laws, run)
STEPS = (
    ("执法主体", "agencies", ("agencies",), ("agencies",), False, False, _run_agencies),
    ("执法人员", "officers", ("officers",), ("officers",), True, False, _run_officers),
    ("执法事项", "matters", ("matters",), ("matters",), False, True, _run_matters),
    ("办理程序", "procedures", (), (), False, True, _run_procedures),
    ("重大执法决定目录", "major_decisions", ("major_decisions",), ("major_decisions",), False, True,
     _run_major_decisions),
    ("行政处罚", "penalties", ("penalties",), ("penalties", "cases", "case_events"), True, True, _run_penalties),
    ("行政许可", "permits", ("permits",), ("permits",), True, False, _run_permits),
    ("失信名单", "blacklist", ("blacklist",), ("blacklist",), True, True, _run_blacklist),
    # case notes keep the names of the agency's registered officers: the officers table is in its key
    ("执法案件", "cases", ("cases", "case_events"), ("cases", "case_events", "officers"), False, False, _run_cases),
    ("执法监督", "supervision", ("supervision",), ("supervision",), False, False, _run_supervision),
)


def _check_folders(name: str, out) -> None:
    """A step may only fill the folders FOLDER_STEPS credits it with (or the export manifest
    would trust a folder whose records changed)."""
    made = set(out.records) | ({"facts"} if out.facts else set()) | ({"supervision"} if out.supervision else set())
    allowed = {folder for folder, steps in FOLDER_STEPS.items() if name in steps}
    if not made <= allowed:
        raise PipelineError(f"内部错误：步骤 {name} 写出了未登记的目录 {sorted(made - allowed)}")


def build_families(tables: dict[str, Validated], report: Report, as_of, progress: bool, cache: PullCache,
                   scrub_cache: str | None, timed):
    """Run (or reuse) every build step, then scrub the free text of the ones that ran.
    Returns ({step: (key, unit)}, codes input, {table: [(published, withheld)]})."""
    from pipeline import records as rec

    inp = Inputs(tables, report, as_of, cache)
    problem = library_problem(cache)
    if problem:
        report.warnings.append(problem)
    done, fresh, counts = {}, [], {name: [] for name in TABLES}
    penalty_ids: dict = {}
    codes_input: list = []
    for label, name, counted, keyed, uses_as_of, uses_laws, run in tqdm(
            STEPS, desc="公开规则", unit="表", disable=not progress):
        with timed("rules:" + label):
            extra = (dict(penalty_ids),) if name == "cases" else ()  # which decisions a case links to
            key = cache.key("build", name, [tables[t].key for t in keyed], as_of if uses_as_of else None,
                            cache.laws_key() if uses_laws else None, *extra)
            unit = cache.get("build-" + name, key)
            if unit is None:
                out = rec.Output()
                states = {t: tables[t].state() for t in counted}
                meta = run(inp, out, states, *extra) or {}
                _check_folders(name, out)
                meta["counts"] = {t: (s.published, dict(s.withheld)) for t, s in states.items()}
                fresh.append((name, key, meta, out))
                done[name] = (key, None)
            else:
                done[name] = (key, unit)
                meta = unit.meta
            for t, figures in meta["counts"].items():
                counts[t].append(figures)
            penalty_ids.update(meta.get("penalty_ids") or {})
            codes_input.extend(meta.get("codes_input") or ())
    with timed("scrub"):
        _scrub(fresh, [u for _, u in done.values() if u is not None], progress, cache, scrub_cache)
        for name, key, meta, out in fresh:
            done[name] = (key, cache.put("build-" + name, key, meta, out))
    return done, codes_input, counts


def _scrub(fresh, reused, progress: bool, cache: PullCache, scrub_cache: str | None) -> None:
    """Scrub the pending free text of the steps that ran (all at once: one worker pool). The
    scrub cache keeps the entries of reused steps too, for the day their inputs change."""
    from pipeline import records as rec

    if not fresh:
        return
    text_cache, keys = None, None
    if scrub_cache:
        from pipeline.scrub_cache import ScrubCache, pair_key
        text_cache = ScrubCache(scrub_cache)
        for unit in reused:
            text_cache.keep(unit.meta.get("scrub_keys") or ())
        if cache.enabled:  # which texts each step has, so the next pull keeps them if it reuses it
            pairs = {name: {p.job for _, _, p in rec._pending_slots(out)} for name, _, _, out in fresh}
            keys = {pair: pair_key(*pair) for found in pairs.values() for pair in found}
            for name, _, meta, _ in fresh:
                meta["scrub_keys"] = sorted(keys[pair] for pair in pairs[name])
    combined = rec.Output()
    for name, _, _, out in fresh:
        for folder, records in out.records.items():
            combined.records[name + "/" + folder] = records
    count = rec.resolve_scrubs(combined, progress=progress, cache=text_cache, keys=keys)
    if text_cache is not None:
        text_cache.save()
    log.info("自由文本脱敏：%d 段不同文本%s", count,
             f"，{text_cache.hits} 段取自缓存" if text_cache is not None else "")
