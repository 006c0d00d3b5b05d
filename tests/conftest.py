"""Shared pytest fixtures (owned by the portal engineer; keep the names stable).

Session fixtures (built once per test run):
  demo_exports   folder with the synthetic demo exports (`python -m pipeline demo --out DIR`) and
                 its sources.yaml.
  demo_build     pull + render of demo_exports with as_of 2026-11-20 into temp folders; an object
                 with .content_dir, .output_dir, .codes_path, .as_of (a date), .result (BuildResult).
  fixture_site   render of the small hand-made tree tests/fixtures/content (no pull; fast); same
                 shape as demo_build (.codes_path None).
  site_url       base URL (no trailing slash) of demo_build.output_dir served by a threaded
                 http.server on 127.0.0.1 at a random free port.
  browser        Playwright (sync) Chromium from /usr/bin/chromium.
Function fixtures:
  page           a fresh browser page; on test failure a screenshot is saved into test-artifacts/.
  render_content callable(content_dir, output_dir=None) -> output_dir: renders any content tree
                 (e.g. a copy of the fixture tree with payloads planted in its YAML).
Helpers importable as `from conftest import ...`: FIXTURE_CONTENT, DEMO_AS_OF, PORTAL_FAMILIES,
render_tree(content_dir, output_dir, families=None), serve_folder() (context manager yielding a
base URL).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import os
import sys
import threading
from dataclasses import dataclass

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

FIXTURE_CONTENT = os.path.join(REPO, "tests", "fixtures", "content")
DEMO_AS_OF = dt.date(2026, 11, 20)
ARTIFACTS = os.path.join(REPO, "test-artifacts")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@dataclass
class BuiltSite:
    content_dir: str
    output_dir: str
    codes_path: str | None
    as_of: dt.date
    result: object = None


# the portal's core page families; pass as `families=` to render only these (fast)
PORTAL_FAMILIES = ["generators.home", "generators.agencies", "generators.matters",
                   "generators.procedures", "generators.laws", "generators.decisions",
                   "generators.about", "generators.errors"]


def render_tree(content_dir: str, output_dir: str, families: list[str] | None = None) -> str:
    """Render one content tree with the repository's pelicanconf.py; returns output_dir.
    `families` limits the generator modules (setting GONGSHI_FAMILIES); None renders all."""
    from pipeline.render import render_site

    extra = {"GONGSHI_FAMILIES": families} if families is not None else None
    render_site(content_dir, output_dir, settings_file=os.path.join(REPO, "pelicanconf.py"),
                extra_settings=extra)
    return output_dir


@pytest.fixture(scope="session")
def demo_exports(tmp_path_factory) -> str:
    from pipeline.cli import main

    if not _module_exists("pipeline.demo"):
        pytest.skip("pipeline.demo not available yet")
    out = str(tmp_path_factory.mktemp("demo-exports"))
    assert main(["demo", "--out", out]) == 0
    return out


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory, demo_exports) -> BuiltSite:
    from pipeline.build import build

    root = tmp_path_factory.mktemp("demo-build")
    site = BuiltSite(str(root / "content"), str(root / "output"), str(root / "private" / "codes.csv"),
                     DEMO_AS_OF)
    site.result = build(demo_exports, as_of=DEMO_AS_OF, output_dir=site.output_dir,
                        content_dir=site.content_dir, codes_path=site.codes_path,
                        settings_file=os.path.join(REPO, "pelicanconf.py"))
    return site


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory) -> BuiltSite:
    out = str(tmp_path_factory.mktemp("fixture-site") / "output")
    render_tree(FIXTURE_CONTENT, out)
    return BuiltSite(FIXTURE_CONTENT, out, None, DEMO_AS_OF)


@pytest.fixture
def handoff_takes(monkeypatch):
    """{'hit': n, 'miss': n} of the content store's content_handoff.take calls: a hit is a
    content file the render got from the pull of its process, a miss one it read."""
    from pipeline import content_handoff

    counts = {"hit": 0, "miss": 0}
    take = content_handoff.take

    def counting(path):
        found = take(path)
        counts["hit" if found is not None else "miss"] += 1
        return found

    monkeypatch.setattr(content_handoff, "take", counting)
    return counts


@pytest.fixture
def render_content(tmp_path):
    def _render(content_dir: str, output_dir: str | None = None) -> str:
        return render_tree(content_dir, output_dir or str(tmp_path / "output"))
    return _render


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep test output clean
        pass


@contextlib.contextmanager
def serve_folder(folder: str):
    """Serve `folder` on 127.0.0.1 (random free port) in a thread; yields 'http://127.0.0.1:<port>'."""
    handler = functools.partial(_QuietHandler, directory=folder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_url(demo_build):
    with serve_folder(demo_build.output_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium not installed at /usr/bin/chromium")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, request):
    context = browser.new_context()
    pg = context.new_page()
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        os.makedirs(ARTIFACTS, exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.nodeid)
        with contextlib.suppress(Exception):
            pg.screenshot(path=os.path.join(ARTIFACTS, name[-150:] + ".png"), full_page=True)
    context.close()


def _module_exists(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
