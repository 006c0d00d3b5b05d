"""Search figures for the benchmark: index bytes, what the first search transfers, how fast
results render — measured in headless Chromium over http://127.0.0.1 against a built output.

    from plugins.gongshi.search_bench import print_search_figures
    print_search_figures("output")            # or search_figures(...) for the numbers

Queries are taken from the build itself (fixed topic words plus record titles and identifiers
picked at fixed strides from the doc store), so any build gets the same kind of 20 queries.
`pagefind_reference()` runs Pagefind (PyPI `pagefind[extended]`) over the same output for the
same queries, as the reference the issue asks for.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import json
import os
import statistics
import threading
from urllib.parse import quote, urlsplit

from .search_index import SEARCH_DIR, file_sizes

CHROMIUM = "/usr/bin/chromium"
TOPICS = ["食品", "安全生产", "罚款", "营业执照", "环境保护", "消防", "药品", "无证经营"]
N_QUERIES = 20
STATIC_FILES = ["search/index.html", "theme/js/search.js", "theme/js/search-tokens.js",
                "theme/vendor/lunr/lunr.min.js"]


def _gz(path: str) -> int:
    with open(path, "rb") as fh:
        return len(gzip.compress(fh.read(), compresslevel=9, mtime=0))


def index_figures(output_dir: str) -> dict:
    """Bytes of the search files, raw and gzipped, by part (i = index shards, d = doc store,
    x = identifier map)."""
    sizes = file_sizes(output_dir)
    parts: dict[str, dict] = {}
    for rel, (raw, gz) in sizes.items():
        part = rel.split("/")[0] if "/" in rel else rel
        entry = parts.setdefault(part, {"files": 0, "raw": 0, "gzip": 0, "gzip_sizes": []})
        entry["files"] += 1
        entry["raw"] += raw
        entry["gzip"] += gz
        entry["gzip_sizes"].append(gz)
    for entry in parts.values():
        gz_sizes = sorted(entry.pop("gzip_sizes"))
        entry["gzip_median"] = gz_sizes[len(gz_sizes) // 2]
        entry["gzip_max"] = gz_sizes[-1]
    return {"parts": parts, "raw": sum(r for r, _ in sizes.values()),
            "gzip": sum(g for _, g in sizes.values())}


def default_queries(output_dir: str, n: int = N_QUERIES) -> list[str]:
    """Topic words + titles/identifiers at fixed strides through the doc store (deterministic)."""
    root = os.path.join(output_dir, SEARCH_DIR)
    with open(os.path.join(root, "manifest.json"), encoding="utf-8") as fh:
        manifest = json.load(fh)
    rows = []
    for c in range(0, manifest["docs"], manifest["chunk"]):
        with open(os.path.join(root, "d", f"{c // manifest['chunk']}.json"), encoding="utf-8") as fh:
            rows.extend(json.load(fh))
    queries = list(TOPICS)
    step = max(1, len(rows) // (n - len(TOPICS) + 1))
    for i in range(step // 2, len(rows), step):
        title, meta = rows[i][2], rows[i][3]
        # every third pick is the record's identifier (first part of its meta line) when it has one
        first_meta = meta.split(" · ")[0] if meta else ""
        use_id = len(queries) % 3 == 0 and any(ch.isdigit() for ch in first_meta)
        q = first_meta if use_id else title
        if q and q not in queries:
            queries.append(q)
        if len(queries) == n:
            break
    return queries


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: str):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _run_query(page, base: str, q: str, output_dir: str) -> dict:
    """One first search in a fresh page: files fetched (gzip sizes from disk) and timings."""
    fetched: list[str] = []
    page.on("requestfinished", lambda r: fetched.append(urlsplit(r.url).path))
    page.goto(f"{base}/search/?q={quote(q)}")
    app = _wait_done(page)  # None when an exact identifier jumped to its record
    data_files = sorted({p for p in fetched if p.startswith(f"/{SEARCH_DIR}/") and p.endswith(".json")})
    data_gz = sum(_gz(os.path.join(output_dir, p.lstrip("/"))) for p in data_files)
    return {
        "query": q,
        "files": len(data_files),
        "data_gzip": data_gz,
        "results": page.text_content("#search-status") if app else "(jumped to record)",
        "render_ms": float(app.get_attribute("data-render-ms") or 0) if app else None,
        "query_ms": float(app.get_attribute("data-query-ms") or 0) if app else None,
        "first_ms": float(app.get_attribute("data-first-ms") or 0) if app else None,
        "top": _top_urls(page) if app else [urlsplit(page.url).path],
    }


DONE_JS = ("(() => { const a = document.querySelector('#search-app');"
           " return !a || a.dataset.state === 'done' || a.dataset.state === 'error'; })()")


def _wait_done(page, timeout: float = 60.0):
    """The search app once it has rendered, or None after a jump to a record page.

    Polls with page.evaluate: wait_for_function's string predicates hit the page's CSP."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if page.evaluate(DONE_JS):
                break
        except Exception:  # a jump replaced the document mid-check: wait for the new page
            page.wait_for_load_state()
        page.wait_for_timeout(20)
    return page.query_selector("#search-app")


def _top_urls(page, n: int = 10) -> list[str]:
    return page.eval_on_selector_all(
        "#search-exact-list a, #search-results li > a",
        f"els => els.slice(0, {n}).map(e => e.pathname + e.hash)")


@contextlib.contextmanager
def _chromium(browser=None):
    """The given Playwright browser (e.g. a test fixture's), or a fresh headless Chromium."""
    if browser is not None:
        yield browser
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        own = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-dev-shm-usage"])
        try:
            yield own
        finally:
            own.close()


def search_figures(output_dir: str, queries: list[str] | None = None, browser=None) -> dict:
    """Index sizes + per-query first-search transfer and render time (fresh browser context per
    query, so nothing is cached between them). `browser`: an open Playwright browser to reuse."""
    queries = queries or default_queries(output_dir)
    static_gz = sum(_gz(os.path.join(output_dir, p)) for p in STATIC_FILES
                    if os.path.exists(os.path.join(output_dir, p)))
    runs = []
    with serve(output_dir) as base, _chromium(browser) as chromium:
        for q in queries:
            context = chromium.new_context()
            runs.append(_run_query(context.new_page(), base, q, output_dir))
            context.close()
    transfers = [r["data_gzip"] for r in runs]
    renders = [r["render_ms"] for r in runs if r["render_ms"]]
    firsts = [r["first_ms"] for r in runs if r["first_ms"]]
    return {
        "index": index_figures(output_dir),
        "page_and_scripts_gzip": static_gz,
        "queries": runs,
        "first_search_data_gzip": {"median": statistics.median(transfers), "max": max(transfers)},
        "first_search_total_gzip_max": max(transfers) + static_gz,
        # after the index shards arrive: counts + group headings drawn / result items drawn
        # (items wait for their doc-store chunks, so render_ms includes those round trips)
        "first_ms": {"median": statistics.median(firsts) if firsts else None,
                     "max": max(firsts) if firsts else None},
        "render_ms": {"median": statistics.median(renders) if renders else None,
                      "max": max(renders) if renders else None},
    }


def _kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def print_search_figures(output_dir: str, queries: list[str] | None = None,
                         with_pagefind: bool = False) -> dict:
    figures = search_figures(output_dir, queries)
    idx = figures["index"]
    print(f"search files: {_kb(idx['raw'])} raw, {_kb(idx['gzip'])} gzip")
    for part, e in sorted(idx["parts"].items()):
        print(f"  {part:<14} {e['files']:>5} files {_kb(e['raw']):>11} raw {_kb(e['gzip']):>11} gzip"
              f"  (median {_kb(e['gzip_median'])}, max {_kb(e['gzip_max'])})")
    print(f"page + scripts (first visit): {_kb(figures['page_and_scripts_gzip'])} gzip")
    for r in figures["queries"]:
        render = (f"{r['first_ms']:.0f}/{r['render_ms']:.0f} ms" if r["render_ms"] is not None
                  else "jump")
        print(f"  {r['query'][:28]:<28} {r['files']:>3} files {_kb(r['data_gzip']):>10}  {render:>12}"
              f"  {r['results'][:40]}")
    fs = figures["first_search_data_gzip"]
    print(f"first search data: median {_kb(fs['median'])}, max {_kb(fs['max'])} gzip; "
          f"with page and scripts max {_kb(figures['first_search_total_gzip_max'])}")
    fm, rm = figures["first_ms"], figures["render_ms"]
    if rm["median"] is not None:
        print(f"after the index arrives: counts+groups median {fm['median']:.1f} ms, max {fm['max']:.1f} ms;"
              f" items (incl. doc-store fetch) median {rm['median']:.1f} ms, max {rm['max']:.1f} ms")
    if with_pagefind:
        ref = pagefind_reference(output_dir, [r["query"] for r in figures["queries"]],
                                 {r["query"]: r["top"] for r in figures["queries"]})
        figures["pagefind"] = ref
        print_pagefind(ref)
    return figures


def print_pagefind(ref: dict) -> None:
    if "error" in ref:
        print(f"pagefind reference: {ref['error']}")
        return
    for r in ref["queries"]:
        overlap = f"{r['overlap']:.0%}" if r["overlap"] is not None else "-"
        print(f"  pagefind {r['query'][:24]:<24} {r['files']:>3} files {_kb(r['transfer']):>10}"
              f"  {r['count']:>5} hits  top-10 overlap {overlap}")
    print(f"pagefind reference: index {_kb(ref['index_bytes'])} on disk; first search data "
          f"median {_kb(ref['transfer']['median'])}, max {_kb(ref['transfer']['max'])}; "
          f"top-10 overlap with ours: median {ref['overlap']['median']:.0%}")


# ---- Pagefind, as the reference --------------------------------------------------------------

# Record pages only (the same set our index links to), not listings or the search page itself.
PAGEFIND_GLOB = ("{agencies/*,matters/*,laws/*,procedures/*,penalties/*,permits/*,blacklist/*,"
                 "catalogue/agency/*}/index.html")
PAGEFIND_HARNESS = """<!DOCTYPE html><meta charset="utf-8"><title>pagefind bench</title>
<script type="module" src="/bench.js"></script><div id="out"></div>"""
PAGEFIND_JS = """
const q = new URLSearchParams(location.search).get('q');
const pagefind = await import('/pagefind/pagefind.js');
await pagefind.init();
const t0 = performance.now();
const search = await pagefind.search(q);
const data = await Promise.all(search.results.slice(0, 10).map(r => r.data()));
const out = document.getElementById('out');
out.dataset.ms = (performance.now() - t0).toFixed(1);
out.dataset.count = search.results.length;
out.dataset.urls = JSON.stringify(data.map(d => d.url));
out.dataset.state = 'done';
"""


def _path_only(url: str) -> str:
    path = urlsplit(url).path
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


def _overlap(ours: list[str], theirs: list[str]) -> float | None:
    a = [_path_only(u) for u in ours[:10]]
    b = {_path_only(u) for u in theirs[:10]}
    return (sum(1 for u in dict.fromkeys(a) if u in b) / len(dict.fromkeys(a))) if a else None


def _pagefind_query(chromium, base: str, folder: str, q: str, ours: list[str]) -> dict:
    context = chromium.new_context()
    page = context.new_page()
    fetched: list[str] = []
    page.on("requestfinished", lambda r: fetched.append(urlsplit(r.url).path))
    page.goto(f"{base}/?q={quote(q)}")
    page.wait_for_selector("#out[data-state=done]", state="attached", timeout=60000)
    files = sorted({f for f in fetched if f.startswith("/pagefind/")})
    # Pagefind's index and fragment files are gzipped already: count the smaller size
    transfer = sum(min(os.path.getsize(os.path.join(folder, f.lstrip("/"))),
                       _gz(os.path.join(folder, f.lstrip("/")))) for f in files)
    urls = json.loads(page.get_attribute("#out", "data-urls"))
    result = {"query": q, "transfer": transfer, "files": len(files),
              "count": int(page.get_attribute("#out", "data-count")),
              "ms": float(page.get_attribute("#out", "data-ms")),
              "top": urls, "overlap": _overlap(ours, urls)}
    context.close()
    return result


def pagefind_reference(output_dir: str, queries: list[str], ours: dict[str, list[str]],
                       browser=None) -> dict:
    """Build Pagefind (extended: segments Chinese) over the same output's record pages into a
    temp folder, run the same queries in Chromium, and compare the top-10 page lists."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        bundle = os.path.join(tmp, "pagefind")
        proc = subprocess.run([sys.executable, "-m", "pagefind", "--site", output_dir,
                               "--output-path", bundle, "--root-selector", "main",
                               "--glob", PAGEFIND_GLOB, "--silent"],
                              capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            return {"error": f"pagefind failed: {proc.stderr.strip()[:300]}"}
        for name, text in (("index.html", PAGEFIND_HARNESS), ("bench.js", PAGEFIND_JS)):
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as fh:
                fh.write(text)
        index_bytes = sum(os.path.getsize(os.path.join(d, f))
                          for d, _, files in os.walk(bundle) for f in files)
        with serve(tmp) as base, _chromium(browser) as chromium:
            runs = [_pagefind_query(chromium, base, tmp, q, ours.get(q, [])) for q in queries]
    transfers = [r["transfer"] for r in runs]
    overlaps = [r["overlap"] for r in runs if r["overlap"] is not None]
    return {"index_bytes": index_bytes, "queries": runs,
            "transfer": {"median": statistics.median(transfers), "max": max(transfers)},
            "overlap": {"median": statistics.median(overlaps) if overlaps else 0.0,
                        "mean": statistics.mean(overlaps) if overlaps else 0.0}}


def main(argv: list[str] | None = None) -> int:
    """`python -m plugins.gongshi.search_bench OUTPUT [--pagefind]`: print the figures."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("output", help="a built output folder (with search/)")
    parser.add_argument("--pagefind", action="store_true", help="also run the Pagefind reference")
    args = parser.parse_args(argv)
    print_search_figures(args.output, with_pagefind=args.pagefind)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
