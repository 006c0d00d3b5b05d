"""`python -m pipeline pull`: exports -> validated, sanitised, publishable YAML under content/.

Stages: read -> normalise -> validate (duplicates, references) -> sanitise + publication rules ->
export, then the report. See HELP for the command line and the sources file format.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import time
from contextlib import contextmanager
from zoneinfo import ZoneInfo


from pipeline import __version__
from pipeline.errors import PipelineError
from pipeline.gc_tuning import no_full_collections
from pipeline.pull_steps import _header_and_columns  # noqa: F401 (kept importable here)
from pipeline.report import Report
from pipeline.sources import resolve

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
fail the run (exit 1) and nothing is written. Text cells cleaned of invisible control characters,
and cells holding U+FFFD (a character lost to a wrong encoding upstream), are imported and listed
in the report as row warnings (file, row, field; never the value). Query codes for the case
lookup go to --codes (never under content/); a real (non-demo) source needs GONGSHI_CODE_SECRET
or GONGSHI_CODE_SECRET_FILE when it has cases.

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
    parser.add_argument("--pull-cache", default=None,
                        help="private folder reusing the last pull's results for unchanged exports "
                             "(e.g. private/pull-cache; never under content/ or output/)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or log lines")


def today_shanghai() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


@contextmanager
def _timed(report: Report, stage: str):
    started, cpu = time.perf_counter(), _cpu_seconds()
    yield
    report.timings[stage] = report.timings.get(stage, 0.0) + time.perf_counter() - started
    report.cpu_timings[stage] = report.cpu_timings.get(stage, 0.0) + _cpu_seconds() - cpu


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
         progress: bool = True, scrub_cache: str | None = None, pull_cache: str | None = None) -> Report:
    """Run every stage; raises PipelineError for unreadable files / missing required columns.
    `scrub_cache`: a private file (pipeline.scrub_cache) so unchanged texts are not scrubbed again.
    `pull_cache`: a private folder (pipeline.pull_cache) so unchanged exports are not read,
    validated, built or written again."""
    from pipeline import pull_cache as cache_module
    from pipeline.scrub_cache import check_location
    check_location(scrub_cache, content_dir)
    cache_module.check_location(pull_cache, content_dir)
    report = Report(as_of=as_of.isoformat(), source=source, strict=strict, content_dir=content_dir)
    started = time.perf_counter()
    # the pull keeps every record until it ends: full collections would walk them again and again
    cache = cache_module.PullCache(pull_cache)
    try:
        with no_full_collections():
            return _pull(source, report, started, as_of=as_of, content_dir=content_dir,
                         report_path=report_path, codes_path=codes_path, strict=strict, progress=progress,
                         scrub_cache=scrub_cache, cache=cache)
    finally:
        cache.close()


def _pull(source: str, report: Report, started: float, *, as_of, content_dir, report_path, codes_path,
          strict, progress, scrub_cache, cache) -> Report:
    from pipeline import pull_steps as steps

    spec = resolve(source)
    report.ignored_files = [os.path.basename(p) for p in spec.ignored]
    with _timed(report, "read"):
        inputs, reads = steps.read_sources(spec, report, as_of, progress, cache)
    with _timed(report, "validate"):
        tables = steps.validate_tables(reads, report, cache)
    if strict and any(t.meta["quarantined"] for t in tables.values()):
        for table in tables.values():
            state = steps.final_state(table, [])
            state.withheld["not_exported_strict"] += table.meta["count"]
            if state.provided:
                report.add_table(state)
        return _finish(report, report_path, started)
    built, codes_input, counts = steps.build_families(
        tables, report, as_of, progress, cache, scrub_cache, lambda stage: _timed(report, stage))
    for name, table in tables.items():
        if table.provided:
            report.add_table(steps.final_state(table, counts[name]))
    report.check_arithmetic()
    codes = _query_codes(codes_input, codes_path, content_dir, spec.demo, report)
    with _timed(report, "export"):
        stats = steps.export_folders(content_dir, built, _site(as_of, spec.demo, inputs, report), cache)
        _write_codes(codes, codes_path)
    report.exported = True
    for folder, s in stats.items():
        if s["changed"] or s["removed"]:
            log.info("%s：%d 个文件，更新 %d，删除 %d", os.path.join(content_dir, folder), s["files"], s["changed"],
                     s["removed"])
    return _finish(report, report_path, started)


def release_caches() -> None:
    """Empty the pull's memo caches (scrubbed texts, jieba cuts, parsed citations, normalised
    identifiers, quoted YAML strings). They only speed up one pull; kept, they stay resident
    through the render of `pipeline build`, which at scale 40 runs close to its 4 GB budget."""
    from pipeline import citations, export, normalise, records, sanitize, validate

    for cached in (records._scrub, sanitize._hmm_cut, citations._parse_cached, export._quoted,
                   normalise.uscc_valid, validate.normalise_identifier):
        cached.cache_clear()


def _finish(report: Report, report_path: str | None, started: float) -> Report:
    release_caches()
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
                      scrub_cache=getattr(args, "scrub_cache", None),
                      pull_cache=getattr(args, "pull_cache", None))
    except PipelineError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":  # python -m pipeline.pull SOURCE AS_OF CONTENT_DIR [RUNS]: benchmark only
    logging.basicConfig(level=logging.WARNING)
    benchmark(sys.argv[1], as_of=dt.date.fromisoformat(sys.argv[2]), content_dir=sys.argv[3],
              runs=int(sys.argv[4]) if len(sys.argv) > 4 else 1)
