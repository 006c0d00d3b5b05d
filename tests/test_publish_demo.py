"""Publish with the real pipeline: the demo (scale 1) published for 2026-11-20 and the day after
its penalties expire (2026-11-22), the fixture exports for the leak gate, nginx + Chromium over the
published release."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml

from conftest import DEMO_AS_OF, REPO
from nginx_server import NGINX, nginx_serving
from pipeline.publish import PublishError, Steps, make_build_id, publish
from pipeline.publish_rollback import rollback
from pipeline.releases import ReleaseStore, tree_digest
from pipeline.sanitize import id_check_digit

pytestmark = pytest.mark.slow
NEXT_DAY = dt.date(2026, 11, 22)  # demo penalties publish until 2026-11-21
FIXTURE_EXPORTS = os.path.join(REPO, "tests", "fixtures", "exports")
QUIET = {"log": lambda *_: None, "wait": 0}


def _pub(source, target, as_of, **kw):
    return publish(source, target, as_of=as_of, **QUIET, **kw)


@pytest.fixture(scope="module")
def demo_target(tmp_path_factory, demo_exports):
    """The demo published for 2026-11-20 (tree hash noted), then for 2026-11-22."""
    target = str(tmp_path_factory.mktemp("publish-demo") / "site")
    first = _pub(demo_exports, target, DEMO_AS_OF)
    first_digest = tree_digest(os.path.join(target, "current"))
    second = _pub(demo_exports, target, NEXT_DAY)
    return {"target": target, "first": first, "second": second, "first_digest": first_digest}


def _expiring(content_dir: str, last_day: str) -> list[str]:
    folder = os.path.join(content_dir, "penalties")
    found = []
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            if str(yaml.safe_load(fh).get("publish_until")) == last_day:
                found.append(name[:-5])
    return found


def _files_mentioning(root: str, needle: str) -> list[str]:
    hits = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if not name.endswith(".gz"):
                with open(os.path.join(folder, name), "rb") as fh:
                    if needle.encode() in fh.read():
                        hits.append(os.path.relpath(os.path.join(folder, name), root))
    return hits


def test_daily_rebuild_removes_the_record_that_expired_and_says_expired(demo_target):
    first, second = demo_target["first"], demo_target["second"]
    store = ReleaseStore(demo_target["target"])
    expiring = _expiring(store.content_path(first.build_id), "2026-11-21")
    assert expiring, "the demo must hold penalties publishing until 2026-11-21"
    for pid in expiring:
        assert os.path.isfile(os.path.join(first.release_dir, "penalties", pid, "index.html"))
        # gone from every artefact of the next day's release: pages, listings, search, feeds
        assert _files_mentioning(second.release_dir, pid) == []
    removed = {t.table: t.removed for t in second.changes.tables}["penalties"]
    assert {pid: removed.get(pid) for pid in expiring} == {pid: "expired" for pid in expiring}
    with open(second.report_path, encoding="utf-8") as fh:
        report = fh.read()
    assert "公示期满" in report and all(pid in report for pid in expiring)
    assert store.current_id() == second.build_id


def test_rollback_restores_the_previous_release_byte_for_byte(demo_target, tmp_path):
    copy = str(tmp_path / "copy")
    shutil.copytree(demo_target["target"], copy, symlinks=True)
    assert tree_digest(os.path.join(copy, "current")) != demo_target["first_digest"]
    assert rollback(copy, wait=0)[1] == demo_target["first"].build_id
    assert tree_digest(os.path.join(copy, "current")) == demo_target["first_digest"]


def _valid_id_number() -> str:
    first17 = "37028119900307123"
    return first17 + id_check_digit(first17)


def _steps_with(**overrides) -> Steps:
    steps = Steps.default()
    for name, fn in overrides.items():
        setattr(steps, name, fn)
    return steps


@pytest.fixture(scope="module", autouse=True)
def code_secret():
    """The fixture exports are not demo data: their derived 查询码 need a secret (also for the
    subprocess, which inherits the environment)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GONGSHI_CODE_SECRET", "publish-tests-secret-0123456789")
        yield


@pytest.fixture(scope="module")
def fixture_target(tmp_path_factory, code_secret):
    """The small fixture exports published once: the live release refused runs must not touch."""
    target = str(tmp_path_factory.mktemp("publish-fixture") / "site")
    code = _code_fingerprint(str(tmp_path_factory.mktemp("empty")))
    result = _pub(FIXTURE_EXPORTS, target, DEMO_AS_OF, max_quarantine_share=1.0)
    return {"target": target, "result": result, "digest": tree_digest(result.release_dir),
            "code": code}


def _code_fingerprint(empty_dir: str) -> str:
    """The build id of an empty content tree: changes only when the code/theme/settings change."""
    return make_build_id(empty_dir, DEMO_AS_OF, codes_path=None,
                         settings_file=os.path.join(REPO, "publishconf.py"))


def test_same_input_and_date_give_an_identical_tree(fixture_target, tmp_path):
    again = _pub(FIXTURE_EXPORTS, str(tmp_path / "other"), DEMO_AS_OF, max_quarantine_share=1.0)
    os.makedirs(tmp_path / "empty")
    if _code_fingerprint(str(tmp_path / "empty")) != fixture_target["code"]:
        pytest.skip("the repository's code changed between the two builds (concurrent edits)")
    assert again.build_id == fixture_target["result"].build_id
    assert tree_digest(again.release_dir) == fixture_target["digest"]


def test_publish_renders_the_pulled_records_without_reading_content_again(fixture_target, tmp_path,
                                                                         monkeypatch, handoff_takes):
    """The render takes every content file it loads from the pull (content_handoff), and the
    release is the one a render reading content/ gives (the control run below has the handoff
    switched off)."""
    from pipeline import content_handoff

    handed = _pub(FIXTURE_EXPORTS, str(tmp_path / "handed"), DEMO_AS_OF, max_quarantine_share=1.0)
    taken = handoff_takes["hit"]
    assert taken >= 10 and handoff_takes["miss"] == 0, handoff_takes
    assert not content_handoff.active() and not content_handoff._state.entries  # ended, emptied

    @contextlib.contextmanager
    def no_handoff():
        yield

    monkeypatch.setattr(content_handoff, "session", no_handoff)
    handoff_takes.update(hit=0, miss=0)
    read = _pub(FIXTURE_EXPORTS, str(tmp_path / "read"), DEMO_AS_OF, max_quarantine_share=1.0)
    assert handoff_takes == {"hit": 0, "miss": taken}  # the same files, each read instead
    assert handed.build_id == read.build_id
    assert tree_digest(handed.release_dir) == tree_digest(read.release_dir)


def test_kill_9_mid_render_leaves_the_live_release(fixture_target, tmp_path):
    copy = str(tmp_path / "copy")
    shutil.copytree(fixture_target["target"], copy, symlinks=True)
    link = os.readlink(os.path.join(copy, "current"))
    live = tree_digest(os.path.join(copy, "current"))
    releases = os.path.join(copy, "releases")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "publish", "--source", FIXTURE_EXPORTS,
                             "--target", copy, "--as-of", "2026-11-23", "--quiet", "--wait", "0",
                             "--max-quarantine-share", "1"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while True:  # kill as soon as the renderer has written some pages
        tmp = [os.path.join(releases, n) for n in os.listdir(releases) if n.endswith(".tmp")]
        if tmp and any(files for _d, _s, files in os.walk(tmp[0])):
            break
        assert proc.poll() is None and time.monotonic() < deadline, "never saw the render start"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    assert os.readlink(os.path.join(copy, "current")) == link
    assert tree_digest(os.path.join(copy, "current")) == live
    # the next publish clears the killed run's leftovers
    _pub(FIXTURE_EXPORTS, copy, DEMO_AS_OF, max_quarantine_share=1.0)
    assert not [n for n in os.listdir(releases) if n.endswith(".tmp")]
    assert not os.path.exists(os.path.join(copy, "work"))


def _assert_refused(fixture, source, match, steps):
    target = fixture["target"]
    link = os.readlink(os.path.join(target, "current"))
    live = tree_digest(os.path.join(target, "current"))
    with pytest.raises(PublishError, match=match) as info:
        _pub(source, target, NEXT_DAY, max_quarantine_share=1.0, steps=steps)
    assert os.readlink(os.path.join(target, "current")) == link
    assert tree_digest(os.path.join(target, "current")) == live
    assert not [n for n in os.listdir(os.path.join(target, "releases")) if n.endswith(".tmp")]
    return str(info.value)


def test_an_id_number_planted_in_content_yaml_is_reported_with_file_and_line(fixture_target):
    planted = {}

    def pull_then_plant(source, **kw):
        from pipeline.pull import pull

        report = pull(source, **kw)
        folder = os.path.join(kw["content_dir"], "agencies")
        name = sorted(os.listdir(folder))[0]
        with open(os.path.join(folder, name), "a", encoding="utf-8") as fh:
            fh.write(f"duties: 联系人身份证号 {_valid_id_number()}\n")
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            planted["where"] = f"content/agencies/{name}:{len(fh.readlines())}"
        return report

    message = _assert_refused(fixture_target, FIXTURE_EXPORTS, "泄露检查",
                              _steps_with(pull=pull_then_plant))
    assert planted["where"] in message
    assert _valid_id_number() not in message  # the report masks the hit
    assert "output/" not in message  # stopped before rendering


def test_an_id_number_in_an_output_file_blocks_publishing(fixture_target):
    # the earlier publish left its leak-gate verdict caches: a warm cache must still refuse
    from pipeline.publish import LEAK_CACHE

    private = os.path.join(fixture_target["target"], "private")
    assert os.path.getsize(os.path.join(private, LEAK_CACHE % "output")) > 0

    def render_then_plant(content, output, **kw):
        from pipeline.render import render_site

        render_site(content, output, **kw)
        with open(os.path.join(output, "index.html"), "a", encoding="utf-8") as fh:
            fh.write(f"<p>{_valid_id_number()}</p>\n")

    message = _assert_refused(fixture_target, FIXTURE_EXPORTS, "泄露检查",
                              _steps_with(render=render_then_plant))
    assert "output/index.html:" in message


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx not installed")
def test_browser_smoke_through_nginx(demo_target, browser, tmp_path):
    current = os.path.join(demo_target["target"], "current")
    violations = []
    with nginx_serving(current, str(tmp_path / "nginx")) as url:
        context = browser.new_context()
        page = context.new_page()
        page.on("console", lambda m: violations.append(m.text)
                if "Content Security Policy" in m.text else None)
        response = page.goto(url + "/")
        headers = response.all_headers()
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["content-encoding"] == "gzip"
        assert headers["x-content-type-options"] == "nosniff"
        assert "胶州市行政执法公示平台" in page.title()
        # the stylesheet arrived (gzip too) and applies: the page is not unstyled
        css = page.request.get(url + "/theme/css/site.css", headers={"Accept-Encoding": "gzip"})
        assert css.ok and css.headers.get("content-encoding") == "gzip"
        # follow the navigation to the penalties listing and open one decision
        page.click("nav.main-nav a[href='/penalties/']")
        page.wait_for_url(url + "/penalties/")
        first = page.locator("main a[href^='/penalties/cf-']").first
        href = first.get_attribute("href")
        first.click()
        page.wait_for_url(url + href)
        assert page.locator("main h1").count() == 1
        context.close()
    assert violations == []

