"""`python -m pipeline pull`: exports -> validated, sanitised, publishable YAML under content/.

Stages: read -> normalise -> validate (duplicates, references) -> sanitise + publication rules ->
export, then the report. See HELP for the command line and the sources file format.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import logging
import os
import sys
import time
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from tqdm import tqdm

from pipeline import __version__
from pipeline.errors import PipelineError
from pipeline.readers import read_file
from pipeline.report import Report
from pipeline.sources import map_columns, resolve
from pipeline.tables import TABLES
from pipeline.validate import TableState, check_references, dedupe, rows_to_records

log = logging.getLogger("gongshi.pull")

HELP = "Pull enforcement exports into validated, sanitised YAML under content/ (+ a report)."

DETAILS = """--source is a folder of exports (one table per file, named by table: agencies, officers, matters,
major_decisions, cases, case_events, penalties, permits, blacklist, supervision; .csv in UTF-8,
UTF-8 with BOM or GB18030/GBK, .xlsx, .xls or .json) or a sources file (YAML):

  demo: true                        # optional: synthetic demo data (demo banner on every page)
  sources:
    - path: penalties.csv           # relative to this file; a folder means every export in it
      table: penalties              # optional when the file name is the table name
      encoding: gb18030             # optional (detected from the bytes otherwise)
      sheet: Sheet1                 # optional, for .xlsx/.xls
      columns: {源列名: 行政相对人名称}  # optional: map foreign headers onto domain field names
      values: {状态: 列入}           # optional: a constant for a column the export lacks

A folder holding sources.yaml is read through it. Header aliases such as the 双公示 column codes
(CF_XDR_MC …) are recognised; other unknown columns are reported and never used.

A file that cannot be read or lacks a required column stops the run (exit 2) with a message
naming the file and column. Bad rows are quarantined and listed in the report; with --strict they
fail the run (exit 1) and nothing is written. Query codes for the case lookup go to --codes
(never under content/); a real (non-demo) source needs GONGSHI_CODE_SECRET or
GONGSHI_CODE_SECRET_FILE when it has cases.

Timing only (no report): python -m pipeline.pull SOURCE AS_OF CONTENT_DIR [RUNS]
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = DETAILS
    parser.add_argument("--source", required=True, help="folder of exports, or a sources YAML file")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                        help="date every publication rule is applied for (default: today, Asia/Shanghai)")
    parser.add_argument("--content", default="content", help="content folder to write (default: content/)")
    parser.add_argument("--report", default=None, help="write the JSON report to this file")
    parser.add_argument("--codes", default="private/codes.csv",
                        help="staff-only CSV of 案件编号,查询码 (default: private/codes.csv)")
    parser.add_argument("--strict", action="store_true", help="fail the run when any row is quarantined")
    parser.add_argument("--scrub-cache", default=None,
                        help="private file reusing the last pull's free-text scrub results (e.g. "
                             "private/scrub-cache.json; never under content/ or output/)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or log lines")


def today_shanghai() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


@contextmanager
def _timed(report: Report, stage: str):
    started, cpu = time.perf_counter(), _cpu_seconds()
    yield
    report.timings[stage] = report.timings.get(stage, 0.0) + time.perf_counter() - started
    report.cpu_timings[stage] = report.cpu_timings.get(stage, 0.0) + _cpu_seconds() - cpu


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


def _read_all(spec, states, report: Report, as_of: dt.date, progress: bool) -> list[dict]:
    from pipeline.sanitize import is_minor

    inputs = []
    for src in tqdm(spec.sources, desc="读取导出文件", unit="个", disable=not progress):
        raw, cmap = _header_and_columns(src, read_file(src.path, encoding=src.encoding, sheet=src.sheet))
        base = os.path.basename(src.path)
        if cmap.unknown:
            report.unknown_columns[base] = cmap.unknown
            log.warning("%s：%d 个列未识别，未使用（%s）", base, len(cmap.unknown), "、".join(cmap.unknown))
        for name in cmap.unmatched:
            report.warnings.append(f"{base}：来源配置 columns 中的列“{name}”在文件表头中不存在")
        before = len(states[src.table].quarantined)
        rows_to_records(states[src.table], raw, cmap, as_of=as_of, is_minor=is_minor)
        bad = len(states[src.table].quarantined) - before
        rows = len(raw.rows) + len(raw.broken)
        log.info("读取 %s（表 %s，%s）：%d 行%s", base, src.table, raw.encoding or "电子表格", rows,
                 f"，其中 {bad} 行有问题已隔离" if bad else "")
        inputs.append({"table": src.table, "file": base, "sha256": _sha256(src.path),
                       "rows": rows, "encoding": raw.encoding})
    return sorted(inputs, key=lambda i: (i["table"], i["file"]))


def _load_procedures() -> list[dict]:
    import yaml
    path = os.path.join(os.path.dirname(__file__), "reference", "procedures.yaml")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        return (yaml.safe_load(fh) or {}).get("procedures") or []


def _procedure_records(procedures: list[dict], cite) -> list[dict]:
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


def _library(report: Report):
    from pipeline.laws import load_library
    try:
        return load_library()
    except Exception as exc:  # laws are input data; without them citations stay unresolved text
        report.warnings.append(f"法律文本无法读取，引用不作链接：{exc}")
        return None


def _build(states, report: Report, as_of: dt.date, progress: bool, scrub_cache: str | None = None):
    from pipeline import records as rec
    from pipeline.rules import load_rules

    rules = load_rules()
    cite = rec.Citer(_library(report))
    out = rec.Output()
    events_by_case = rec.link_cases(states["cases"], states["case_events"])
    codes_input: list = []
    penalty_ids: dict = {}
    procedures = _load_procedures()

    def penalties():
        penalty_ids.update(rec.build_penalties(states["penalties"], states["cases"], events_by_case, out,
                                               as_of=as_of, rules=rules, cite=cite))

    steps = [
        ("执法主体", lambda: rec.build_agencies(states["agencies"], out)),
        ("执法人员", lambda: rec.build_officers(states["officers"], out, as_of)),
        ("执法事项", lambda: rec.build_matters(states["matters"], out, cite, procedures)),
        ("办理程序", lambda: [out.add("procedures", p) for p in _procedure_records(procedures, cite)]),
        ("重大执法决定目录", lambda: rec.build_major_decisions(states["major_decisions"], out, cite)),
        ("行政处罚", penalties),
        ("行政许可", lambda: rec.build_permits(states["permits"], out, as_of=as_of, rules=rules)),
        ("失信名单", lambda: rec.build_blacklist(states["blacklist"], out, as_of=as_of, rules=rules, cite=cite)),
        ("执法案件", lambda: codes_input.extend(rec.build_cases(states["cases"], states["case_events"],
                                                            events_by_case, penalty_ids, out))),
        ("执法监督", lambda: rec.build_supervision(states["supervision"], out)),
    ]
    for label, step in tqdm(steps, desc="公开规则", unit="表", disable=not progress):
        with _timed(report, "rules:" + label):
            step()
    with _timed(report, "scrub"):
        cache = None
        if scrub_cache:
            from pipeline.scrub_cache import ScrubCache
            cache = ScrubCache(scrub_cache)
        count = rec.resolve_scrubs(out, progress=progress, cache=cache)
        if cache is not None:
            cache.save()
    log.info("自由文本脱敏：%d 段不同文本%s", count, f"，{cache.hits} 段取自缓存" if cache is not None else "")
    return out, codes_input


def _query_codes(codes_input, codes_path: str | None, content_dir: str, demo: bool,
                 report: Report) -> dict[str, str]:
    """案件编号 -> 查询码, decided before anything is written (a missing secret stops the run)."""
    if not codes_input or not codes_path:
        return {}
    from pipeline import querycodes
    content = os.path.abspath(content_dir) + os.sep
    if os.path.abspath(codes_path).startswith(content):
        raise PipelineError(f"{codes_path}: 查询码文件不能放在 content/ 下（{content_dir}）")
    try:
        secret = querycodes.secret_from_env(demo)
    except querycodes.MissingSecretError as exc:
        raise PipelineError(f"{codes_path}: {exc}") from exc
    codes, problems = querycodes.assign_codes(codes_input, secret)
    for case_no, reason in problems:
        report.warnings.append(f"案件 {case_no}：{reason}")
    return codes


def _write_codes(codes: dict[str, str], codes_path: str | None) -> None:
    if codes and codes_path:
        from pipeline import querycodes
        querycodes.write_codes_csv(codes_path, codes)
        log.info("查询码已写入 %s（%d 个案件，仅供工作人员使用）", codes_path, len(codes))


def _site(as_of: dt.date, demo: bool, inputs: list[dict], report: Report) -> dict:
    counts = {name: {"rows": t["rows"], "published": t["published"],
                     "withheld": sum(t["withheld"].values()), "quarantined": len(t["quarantined"])}
              for name, t in report.tables.items()}
    return {"as_of": as_of.isoformat(), "demo": demo, "generator": f"gongshi-pipeline {__version__}",
            "sources": inputs, "counts": counts}


def pull(source: str, *, as_of: dt.date, content_dir: str = "content", report_path: str | None = None,
         codes_path: str | None = "private/codes.csv", strict: bool = False,
         progress: bool = True, scrub_cache: str | None = None) -> Report:
    """Run every stage; raises PipelineError for unreadable files / missing required columns.
    `scrub_cache`: a private file (pipeline.scrub_cache) so unchanged texts are not scrubbed again."""
    from pipeline.scrub_cache import check_location
    check_location(scrub_cache, content_dir)
    report = Report(as_of=as_of.isoformat(), source=source, strict=strict, content_dir=content_dir)
    started = time.perf_counter()
    spec = resolve(source)
    report.ignored_files = [os.path.basename(p) for p in spec.ignored]
    states = {name: TableState(name) for name in TABLES}
    with _timed(report, "read"):
        inputs = _read_all(spec, states, report, as_of, progress)
    with _timed(report, "validate"):
        for state in states.values():
            dedupe(state)
        report.warnings.extend(check_references(states))
        report.warnings.extend(f"{s.name}：{s.reclassified} 行的当事人代码是身份证号码，已按自然人处理（不公开姓名）"
                               for s in states.values() if s.reclassified)
    if strict and any(s.quarantined for s in states.values()):
        for state in states.values():
            state.withheld["not_exported_strict"] += len(state.records)
            if state.provided:
                report.add_table(state)
        return _finish(report, report_path, started)
    out, codes_input = _build(states, report, as_of, progress, scrub_cache)
    for state in states.values():
        if state.provided:
            report.add_table(state)
    report.check_arithmetic()
    codes = _query_codes(codes_input, codes_path, content_dir, spec.demo, report)
    with _timed(report, "export"):
        from pipeline.export import export
        stats = export(content_dir, out, _site(as_of, spec.demo, inputs, report))
        _write_codes(codes, codes_path)
    report.exported = True
    for folder, s in stats.items():
        if s["changed"] or s["removed"]:
            log.info("%s：%d 个文件，更新 %d，删除 %d", os.path.join(content_dir, folder), s["files"], s["changed"],
                     s["removed"])
    return _finish(report, report_path, started)


def _finish(report: Report, report_path: str | None, started: float) -> Report:
    report.check_arithmetic()
    report.timings["total"] = time.perf_counter() - started
    if report_path:
        report.write(report_path)
    return report


def _cpu_seconds() -> float:
    t = os.times()  # includes the scrub worker processes once they have been reaped
    return t.user + t.system + t.children_user + t.children_system


def benchmark(source: str, *, as_of: dt.date, content_dir: str, runs: int = 1,
              print_fn=print) -> list[dict]:
    """Time `pull` for the bench command and for people: one line per run with wall-clock and
    CPU seconds (CPU shows the pull's own cost when other work shares the machine) and stages."""
    results = []
    for n in range(1, runs + 1):
        cpu = _cpu_seconds()
        report = pull(source, as_of=as_of, content_dir=content_dir, codes_path=None, progress=False)
        cpu = _cpu_seconds() - cpu
        rows = sum(t["rows"] for t in report.tables.values())
        stages = ", ".join(f"{k} {v:.2f}s/{report.cpu_timings.get(k, 0):.2f}s CPU"
                           for k, v in report.timings.items() if k != "total")
        print_fn(f"pull run {n}: {report.timings['total']:.2f} s wall, {cpu:.2f} s CPU, {rows} rows ({stages})")
        results.append({"run": n, "seconds": report.timings["total"], "cpu_seconds": cpu, "rows": rows,
                        "stages": dict(report.timings)})
    return results


def run(args: argparse.Namespace) -> int:
    quiet = getattr(args, "quiet", False)
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format="%(message)s",
                        stream=sys.stderr)
    try:
        report = pull(args.source, as_of=args.as_of or today_shanghai(), content_dir=args.content,
                      report_path=args.report, codes_path=args.codes, strict=args.strict,
                      progress=not quiet and sys.stderr.isatty(),
                      scrub_cache=getattr(args, "scrub_cache", None))
    except PipelineError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":  # python -m pipeline.pull SOURCE AS_OF CONTENT_DIR [RUNS]: benchmark only
    logging.basicConfig(level=logging.WARNING)
    benchmark(sys.argv[1], as_of=dt.date.fromisoformat(sys.argv[2]), content_dir=sys.argv[3],
              runs=int(sys.argv[4]) if len(sys.argv) > 4 else 1)
