"""`python -m pipeline bench`: speed and memory figures for the full build at several scales.

For each scale the demo exports are generated, then the full build runs in a child process (so its
peak RSS is its own) and reports per-stage wall times; the same child measures a *floor*: a bare
Jinja2 render of the same number of pages with minimal templates, written to disk. One JSON object
per scale is printed. Targets (issue 9) are figures to read, not assertions.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HELP = "Benchmark: demo data at several scales, full build, per-stage times, peak RSS, sizes, floor."

DEMO_AS_OF = "2026-11-20"


def add_arguments(parser) -> None:
    parser.add_argument("--scales", default="1,10,40",
                        help="comma-separated demo scales (default 1,10,40; 40 is about 100,000 "
                             "cases and decisions)")
    parser.add_argument("--workdir", default=None,
                        help="where to put generated data and output (default: a temp folder, "
                             "removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--one-scale", type=int, default=None, help=argparse.SUPPRESS)


def run(args) -> int:
    if args.one_scale is not None:  # child mode: one scale, figures as JSON on stdout
        print(json.dumps(_measure_scale(args.one_scale, Path(args.workdir)), ensure_ascii=False))
        return 0
    scales = [int(s) for s in str(args.scales).split(",") if s.strip()]
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="gongshi-bench-"))
    results = []
    try:
        for scale in scales:
            result = _run_child(scale, workdir / f"scale-{scale}")
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)
        if results:
            print(json.dumps({"summary": _summary(results)}, ensure_ascii=False), flush=True)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _run_child(scale: int, workdir: Path) -> dict:
    """Run one scale in a fresh child process, so peak RSS (ru_maxrss) is that build's alone."""
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pipeline", "bench", "--one-scale", str(scale),
           "--workdir", str(workdir)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if proc.returncode:
        return {"scale": scale, "error": f"child exited {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _summary(results: list[dict]) -> dict:
    ok = [r for r in results if "error" not in r]
    if not ok:
        return {}
    base = ok[0]
    out = {"targets": {
        "scale1_full_build_s<=20": next((r["full_build_s"] <= 20 for r in ok if r["scale"] == 1), None),
        "portal_over_floor<=3": all(r["portal_over_floor"] <= 3 for r in ok),
    }}
    for r in ok[1:]:
        out[f"per_record_ratio_scale{r['scale']}_vs_{base['scale']}"] = round(
            r["ms_per_record"] / base["ms_per_record"], 2)
    return out


def _timed(fn, *a, **kw):
    start = time.perf_counter()
    value = fn(*a, **kw)
    return value, round(time.perf_counter() - start, 2)


def _measure_scale(scale: int, workdir: Path) -> dict:
    from pipeline import leakgate
    from pipeline.pull import pull
    from pipeline.render import render_site

    exports, content, output = workdir / "exports", workdir / "content", workdir / "output"
    codes = workdir / "private" / "codes.csv"
    stages: dict[str, float] = {}
    if not (exports / "sources.yaml").exists():
        _, stages["demo"] = _timed(subprocess.run, [sys.executable, "-m", "pipeline", "demo",
                                                    "--out", str(exports), "--scale", str(scale)],
                                   check=True, stdout=subprocess.DEVNULL)
    as_of = date.fromisoformat(DEMO_AS_OF)
    report, stages["pull"] = _timed(pull, str(exports / "sources.yaml"), as_of=as_of,
                                    content_dir=str(content), codes_path=str(codes),
                                    progress=False)
    timings_file = workdir / "render-timings.json"
    _, stages["render"] = _timed(render_site, str(content), str(output), codes_path=str(codes),
                                 extra_settings={"GONGSHI_TIMINGS_FILE": str(timings_file)})
    if timings_file.exists():  # per-generator times recorded by the plugin
        stages["render_by_family"] = json.loads(timings_file.read_text())
    leaks, stages["leak_gate"] = _timed(leakgate.scan_tree, str(output))
    full = round(stages["pull"] + stages["render"], 2)

    records = sum(v.get("rows", 0) for v in report.to_dict().get("tables", {}).values())
    pages = sum(1 for _ in output.rglob("*.html"))
    floor_s = _floor(pages, workdir / "floor")
    return {
        "scale": scale,
        "records": records,
        "pages": pages,
        "stages_s": stages,
        "full_build_s": full,
        "ms_per_record": round(1000 * full / max(records, 1), 3),
        "floor_s": floor_s,
        "portal_over_floor": round(stages["render"] / max(floor_s, 1e-6), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "output_bytes": _tree_bytes(output),
        "leaks_found": len(leaks),
        **_search_figures(output),
        **_lookup_figures(output),
    }


def _tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _search_figures(output: Path) -> dict:
    folder = output / "search"
    files = [p for p in folder.rglob("*.json")] if folder.exists() else []
    raw = sum(p.stat().st_size for p in files)
    gz = sum(len(gzip.compress(p.read_bytes(), mtime=0)) for p in files)
    figures = {"search_index_bytes": raw, "search_index_gzip_bytes": gz}
    try:  # the search engineer's own measure of the first search (what one query fetches)
        from plugins.gongshi.search_index import first_search_bytes  # type: ignore

        figures["first_search_gzip_bytes"] = first_search_bytes(str(output))
    except Exception:  # not available: report the figures we have
        pass
    return figures


def _lookup_figures(output: Path) -> dict:
    folder = output / "lookup"
    shards = [p.stat().st_size for p in folder.rglob("*") if p.is_file()
              and p.suffix in (".json", ".bin")] if folder.exists() else []
    return {"lookup_shards": len(shards), "largest_lookup_shard_bytes": max(shards, default=0)}


_FLOOR_TEMPLATE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{{ title }}</title></head><body><h1>{{ title }}</h1>
<dl>{% for k, v in fields %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl></body></html>"""


def _floor(pages: int, folder: Path) -> float:
    """Bare Jinja2: render `pages` minimal pages and write them to disk; seconds taken."""
    import jinja2

    env = jinja2.Environment(autoescape=True)
    template = env.from_string(_FLOOR_TEMPLATE)
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    for i in range(pages):
        path = folder / str(i // 1000) / str(i) / "index.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        html = template.render(title=f"页面 {i}", fields=[("编号", i), ("名称", "示例" * 5)] * 4)
        path.write_text(html, encoding="utf-8")
    elapsed = time.perf_counter() - start
    shutil.rmtree(folder, ignore_errors=True)
    return round(elapsed, 2)
