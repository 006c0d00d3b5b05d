"""`python -m pipeline bench`: speed and memory figures for the full build at several scales.

For each scale the demo exports are generated, then the full build runs in a child process (so its
peak RSS is its own) and reports wall-clock AND CPU seconds per stage (CPU stays meaningful when
other work shares the machine); the same child measures a *floor*: a bare Jinja2 render of the same
number of pages with minimal templates, written to disk. With --incremental the child then changes
one record in the exports and rebuilds with the render cache, timing that too. One JSON object per
scale is printed, then a summary. Targets (issue 9) are figures to read, not assertions.
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--no-browser", action="store_true",
                        help="skip the first-search transfer measured in headless Chromium")
    parser.add_argument("--incremental", action="store_true",
                        help="also change one record and time an incremental rebuild")
    parser.add_argument("--one-scale", type=int, default=None, help=argparse.SUPPRESS)


def run(args) -> int:
    if args.one_scale is not None:  # child mode: one scale, figures as JSON on stdout
        figures = measure_scale(args.one_scale, Path(args.workdir), browser=not args.no_browser,
                                incremental=args.incremental)
        print(json.dumps(figures, ensure_ascii=False))
        return 0
    scales = [int(s) for s in str(args.scales).split(",") if s.strip()]
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="gongshi-bench-"))
    flags = (["--no-browser"] if args.no_browser else []) + (
        ["--incremental"] if args.incremental else [])
    results = []
    try:
        for scale in scales:
            folder = workdir / f"scale-{scale}"
            demo = None
            if not (_paths(folder)["exports"] / "sources.yaml").exists():
                demo = make_demo(scale, folder)  # here, so the child's peak RSS is the build's
            result = _run_child(scale, folder, flags)
            if demo and "stages" in result:
                result["stages"] = {"demo": demo, **result["stages"]}
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)
        if results:
            print(json.dumps({"summary": summary(results)}, ensure_ascii=False), flush=True)
    finally:
        for scale in scales:  # floors and set-aside folders, kept while scales were measured
            for name in ("floor", FLOOR_FILES, TRASH):
                shutil.rmtree(workdir / f"scale-{scale}" / name, ignore_errors=True)
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all("error" not in r for r in results) else 1


# ext4 (as on the benchmark VMs) skips inodes freed in the last minute (up to six while their
# inode-table block is dirty) when it creates a file or a folder, reading each one it skips: right
# after a large delete every create costs up to 5x the kernel time, and identical runs differ by
# that much. The bench therefore deletes nothing while it measures: a cold build's leftovers are
# renamed into this folder (same file system, one rename each) and deleted when the bench ends.
TRASH = ".bench-trash"


def _run_child(scale: int, workdir: Path, flags: list[str]) -> dict:
    """Run one scale in a fresh child process, so peak RSS (ru_maxrss) is that build's alone."""
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pipeline", "bench", "--one-scale", str(scale),
           "--workdir", str(workdir), *flags]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode or not lines:
        return {"scale": scale, "error": f"child exited {proc.returncode}"}
    return json.loads(lines[-1])


def summary(results: list[dict]) -> dict:
    """Targets of issue 9 as booleans (None: not measured) and per-record ratios to the first scale."""
    ok = [r for r in results if "error" not in r]
    if not ok:
        return {}
    base = ok[0]
    scale1 = next((r for r in ok if r["scale"] == 1), None)
    targets = {
        "scale1_full_build_s<=20": scale1["full_build"]["wall_s"] <= 20 if scale1 else None,
        "scale1_full_build_cpu_s<=20": scale1["full_build"]["cpu_s"] <= 20 if scale1 else None,
        "portal_over_floor<=3": all(r["portal_over_floor"] <= 3 for r in ok),
        # the build's memory (sampled Pss of its process tree) and the build process's exact peak
        "peak_rss<=4GB": all(_peak_memory(r) <= 4096 and r["peak_rss_main_mb"] <= 4096
                             for r in ok),
    }
    if any("incremental" in r for r in ok):
        targets["incremental<=25%"] = all(r["incremental"]["fraction_cpu"] <= 0.25
                                          for r in ok if "incremental" in r)
    out = {"targets": targets}
    for r in ok[1:]:
        out[f"per_record_cpu_ratio_scale{r['scale']}_vs_{base['scale']}"] = round(
            r["cpu_ms_per_record"] / base["cpu_ms_per_record"], 2)
    return out


def _peak_memory(figures: dict) -> float:
    """Sampled Pss peak of the build's process tree; older results had only main + children RSS."""
    return figures.get("peak_memory_mb", figures["peak_rss_mb"])


class Clock:
    """Wall-clock and CPU seconds (this process's threads plus reaped children) of a block."""

    def __init__(self):
        self.wall = self.cpu = 0.0

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc):
        self.wall = round(time.perf_counter() - self._wall, 2)
        self.cpu = round(_cpu() - self._cpu, 2)

    def figures(self) -> dict:
        return {"wall_s": self.wall, "cpu_s": self.cpu}


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _paths(workdir: Path) -> dict[str, Path]:
    return {"exports": workdir / "exports", "content": workdir / "content",
            "output": workdir / "output", "codes": workdir / "private" / "codes.csv",
            "cache": workdir / "cache", "timings": workdir / "render-timings.json"}


def build_once(workdir: Path, cache: bool = False) -> dict:
    """Pull + render + leak gate of workdir/exports; per-stage wall and CPU seconds."""
    from pipeline import content_handoff, leakgate
    from pipeline.pull import pull
    from pipeline.render import render_site

    p = _paths(workdir)
    extra = {"GONGSHI_TIMINGS_FILE": str(p["timings"])}
    if cache:
        extra["GONGSHI_RENDER_CACHE"] = str(p["cache"])
    stages: dict = {}
    with content_handoff.session():  # as `pipeline build`: the render takes the pull's records
        with Clock() as c:
            report = pull(str(p["exports"] / "sources.yaml"), as_of=date.fromisoformat(DEMO_AS_OF),
                          content_dir=str(p["content"]), codes_path=str(p["codes"]), progress=False,
                          scrub_cache=str(p["cache"] / "scrub.json") if cache else None,
                          pull_cache=str(p["cache"] / "pull") if cache else None)
        stages["pull"] = {**c.figures(), "by_step_wall_s": _rounded(report.timings),
                          "by_step_cpu_s": _rounded(report.cpu_timings)}
        with Clock() as c:
            render_site(str(p["content"]), str(p["output"]), codes_path=str(p["codes"]),
                        extra_settings=extra)
        stages["render"] = c.figures()
    if p["timings"].exists():  # per-family times recorded by the plugin (timings.py)
        by_family = json.loads(p["timings"].read_text())
        stages["render"]["by_family_wall_s"] = by_family.get("wall_s", {})
        stages["render"]["by_family_cpu_s"] = by_family.get("cpu_s", {})
    with Clock() as c:
        leaks = leakgate.scan_tree(str(p["output"]),
                                   str(p["cache"] / "leakgate.json") if cache else None)
    stages["leak_gate"] = c.figures()
    records = sum(t.get("rows", 0) for t in report.to_dict().get("tables", {}).values())
    return {"stages": stages, "records": records, "leaks_found": len(leaks)}


FLOOR_FILES = "floor-files"


def page_family_files(output: Path) -> int:
    """Files the page families wrote: everything in the output folder but the theme's static
    files and what the search index and lookup stages write (their own figures)."""
    from pipeline.lookup_crypto import SHARD_FOLDER
    from plugins.gongshi.search_index import SEARCH_DIR

    count = 0
    for folder, _, names in os.walk(output):
        rel = os.path.relpath(folder, output).replace(os.sep, "/") + "/"
        if rel.startswith(("theme/", SHARD_FOLDER + "/")):
            continue
        if rel.startswith(SEARCH_DIR + "/"):  # the index's files, not the search page
            names = [n for n in names if n.endswith(".html")]
        count += len(names)
    return count


def set_aside(folders: list[Path], trash: Path) -> None:
    """Move the existing `folders` into a new folder under `trash` (renames, no delete: TRASH)."""
    existing = [f for f in folders if f.exists()]
    if not existing:
        return
    trash.mkdir(exist_ok=True)
    bin_ = Path(tempfile.mkdtemp(dir=trash))
    for n, folder in enumerate(existing):
        os.rename(folder, bin_ / f"{n}-{folder.name}")


def make_demo(scale: int, workdir: Path) -> dict:
    """Generate the scale's demo exports in a child process; its wall and CPU seconds."""
    with Clock() as c:
        subprocess.run([sys.executable, "-m", "pipeline", "demo", "--out",
                        str(_paths(workdir)["exports"]), "--scale", str(scale)],
                       check=True, stdout=subprocess.DEVNULL)
    return c.figures()


def family_figures(render: dict, family: str) -> dict:
    """Wall and CPU seconds of one page family's steps (a part of the render stage): its
    generate_context/generate_output phases and work it ran elsewhere (e.g. search.index_files,
    the search index process, whose wall time overlaps the other families')."""
    def total(key: str) -> float:
        return round(sum(v for k, v in render.get(key, {}).items()
                         if k.split(".", 1)[0] == family), 2)
    return {"wall_s": total("by_family_wall_s"), "cpu_s": total("by_family_cpu_s"),
            "note": "part of render"}


def _rounded(d: dict) -> dict:
    return {k: round(v, 2) for k, v in d.items()}


def _total(stages: dict, key: str) -> float:
    return round(sum(stages[s][key] for s in ("pull", "render", "leak_gate")), 2)


def measure_scale(scale: int, workdir: Path, browser: bool = True,
                  incremental: bool = False) -> dict:
    p = _paths(workdir)
    demo = {} if (p["exports"] / "sources.yaml").exists() else {"demo": make_demo(scale, workdir)}
    # a cold full build: no render cache, no derived lookup keys from an earlier run
    set_aside([p["output"], p["cache"], p["codes"].parent, workdir / "floor",
               workdir / FLOOR_FILES], workdir / TRASH)
    from pipeline.memory_probe import TreeMemory

    with TreeMemory() as memory:
        built = build_once(workdir, cache=incremental)
    # Read now: later steps (the browser for search sizes) are child processes too. The build's
    # own children (search index process, leak-gate pool) are forked: their ru_maxrss counts the
    # pages they share with the build process, so main + children is a loose upper bound; the
    # sampled Pss sum of the process tree is what the build occupied.
    rss_main = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    stages = built["stages"]
    pages = sum(1 for _ in p["output"].rglob("*.html"))
    # kept until the bench ends (run() deletes it): deleting it now would slow the next
    # scale's cold build (TRASH)
    floor = floor_seconds(pages, workdir / "floor", keep=True)
    # a second floor, for reading the first: as many minimal pages as the page families wrote
    # files (pages, one open-data JSON per record, CSVs, feeds, credit shards). Creating a file is
    # most of a minimal page's cost here, and the page families write 2-3 per HTML page.
    files = page_family_files(p["output"])
    floor_files = floor_seconds(files, workdir / FLOOR_FILES, keep=True)
    full = {"wall_s": _total(stages, "wall_s"), "cpu_s": _total(stages, "cpu_s")}
    for name, family in (("search_index", "search"), ("lookup", "lookup")):
        stages[name] = family_figures(stages["render"], family)
    page_cpu = stages["render"]["cpu_s"] - stages["search_index"]["cpu_s"] - stages["lookup"]["cpu_s"]
    figures = {
        "scale": scale,
        "records": built["records"],
        "pages": pages,
        "stages": {**demo, **stages},
        "full_build": full,
        "ms_per_record": round(1000 * full["wall_s"] / max(built["records"], 1), 3),
        "cpu_ms_per_record": round(1000 * full["cpu_s"] / max(built["records"], 1), 3),
        "floor": floor,
        # CPU to CPU: both sides measured in this process, so the ratio survives a loaded machine.
        # The floor renders pages, so the portal's comparable time is its page rendering: the
        # render stage without the search index and lookup stages (reported on their own).
        "portal_over_floor": round(page_cpu / max(floor["cpu_s"], 1e-6), 2),
        "render_over_floor": round(stages["render"]["cpu_s"] / max(floor["cpu_s"], 1e-6), 2),
        "page_family_files": files,
        "floor_same_files": floor_files,
        "portal_over_floor_same_files": round(page_cpu / max(floor_files["cpu_s"], 1e-6), 2),
        "peak_memory_mb": memory.peak_mb,
        "peak_rss_mb": round(rss_main + rss_children, 1),
        "peak_rss_main_mb": round(rss_main, 1),
        "peak_rss_children_mb": round(rss_children, 1),
        "output_bytes": _tree_bytes(p["output"]),
        "leaks_found": built["leaks_found"],
        **search_sizes(p["output"], browser),
        **lookup_sizes(p["output"]),
    }
    if incremental:
        figures["incremental"] = incremental_rebuild(workdir, full)
    return figures


def incremental_rebuild(workdir: Path, full: dict) -> dict:
    """Change one record's text in the exports, rebuild with the render cache, compare to `full`."""
    changed = change_one_record(_paths(workdir)["exports"])
    rebuilt = build_once(workdir, cache=True)
    stages = rebuilt["stages"]
    wall, cpu = _total(stages, "wall_s"), _total(stages, "cpu_s")
    return {"changed": changed, "stages": stages, "wall_s": wall, "cpu_s": cpu,
            "fraction_wall": round(wall / max(full["wall_s"], 1e-6), 3),
            "fraction_cpu": round(cpu / max(full["cpu_s"], 1e-6), 3)}


def change_one_record(exports: Path) -> str:
    """Append a correction note to the facts (违法事实) of the first published penalty in the demo
    exports, or take it off again if an earlier run left it (so repeated benches of one work
    folder change one record each time without the text growing); returns its decision number.
    A published one, so the change reaches the pages."""
    import csv
    import io

    import yaml

    content = exports.parent / "content" / "penalties"
    first = sorted(content.glob("*.yaml"))[0]
    decision_no = yaml.safe_load(first.read_text(encoding="utf-8"))["decision_no"]
    path = exports / "penalties.csv"
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030"), newline="")))
    facts, number = rows[0].index("违法事实"), rows[0].index("CF_WSH")
    for row in rows[1:]:
        if row[number] == decision_no:
            note = "（更正）"
            row[facts] = row[facts][:-len(note)] if row[facts].endswith(note) else row[facts] + note
            break
    else:
        raise LookupError(f"{decision_no} not in {path}")
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_bytes(out.getvalue().encode("gb18030"))
    return decision_no


def _tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def search_sizes(output: Path, browser: bool = True) -> dict:
    """Index bytes (raw, gzip) from the search engineer's figures; with a browser also what the
    first search transfers (median and max over the built-in queries, gzip bytes)."""
    from plugins.gongshi import search_bench

    index = search_bench.index_figures(str(output))
    figures = {"search_index_bytes": index["raw"], "search_index_gzip_bytes": index["gzip"]}
    if browser:
        try:
            found = search_bench.search_figures(str(output))
            figures["first_search_data_gzip_bytes"] = found["first_search_data_gzip"]
            figures["first_search_total_gzip_bytes_max"] = found["first_search_total_gzip_max"]
        except Exception as exc:  # no Chromium here: the sizes above still stand
            figures["first_search_error"] = f"{type(exc).__name__}: {exc}"[:200]
    return figures


def lookup_sizes(output: Path) -> dict:
    from pipeline.lookup_crypto import SHARD_FOLDER

    folder = output / SHARD_FOLDER
    shards = [p.stat().st_size for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    return {"lookup_shards": len(shards), "largest_lookup_shard_bytes": max(shards, default=0)}


_FLOOR_TEMPLATE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{{ title }}</title></head><body><h1>{{ title }}</h1>
<dl>{% for k, v in fields %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl></body></html>"""


def floor_seconds(pages: int, folder: Path, runs: int = 3, keep: bool = False) -> dict:
    """Bare Jinja2: render `pages` minimal pages and write them to disk, `runs` times, each run into
    a new folder under `folder`; the median run's wall and CPU seconds, and every run's CPU.
    Nothing is deleted between runs (see TRASH); the folder goes at the end unless `keep`."""
    import jinja2

    env = jinja2.Environment(autoescape=True)
    template = env.from_string(_FLOOR_TEMPLATE)
    measured = []
    for run in range(runs):
        root = folder / f"run-{run}"
        shutil.rmtree(root, ignore_errors=True)
        with Clock() as c:
            for i in range(pages):
                path = root / str(i // 1000) / str(i) / "index.html"
                path.parent.mkdir(parents=True, exist_ok=True)
                html = template.render(title=f"页面 {i}", fields=[("编号", i), ("名称", "示例" * 5)] * 4)
                path.write_text(html, encoding="utf-8")
        measured.append(c.figures())
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    median = sorted(measured, key=lambda f: f["cpu_s"])[len(measured) // 2]
    return {**median, "runs_cpu_s": [f["cpu_s"] for f in measured]}
