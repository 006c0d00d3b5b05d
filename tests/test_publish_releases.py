"""Publish machinery on a tiny fake pipeline (tests/publish_fakes.py): atomic switch, rollback,
refusals, kill -9, concurrency. The real pipeline is exercised in test_publish_demo.py."""

from __future__ import annotations

import datetime as dt
import gzip
import os
import signal
import subprocess
import sys
import time

import pytest

import publish_fakes as fakes
from pipeline.publish import PublishError, publish
from pipeline.publish_rollback import rollback
from pipeline.releases import LockBusy, ReleaseStore, locked, tree_digest

D1, D2, D3 = dt.date(2026, 11, 20), dt.date(2026, 11, 22), dt.date(2026, 11, 23)
RECORDS = [
    {"id": "cf-aaaaaaaaaaaa", "title": "甲公司处罚", "publish_until": "2026-11-21"},
    {"id": "cf-bbbbbbbbbbbb", "title": "乙公司处罚", "publish_until": "2027-06-30"},
]
FAKES = os.path.abspath(fakes.__file__)


def _publish(source, target, as_of, steps=None, **kw):
    kw.setdefault("log", lambda *_: None)
    return publish(source, target, as_of=as_of, steps=steps or fakes.steps(), wait=0, **kw)


@pytest.fixture
def source(tmp_path):
    return fakes.make_source(str(tmp_path / "src"), RECORDS)


def _live(target) -> str:
    return tree_digest(os.path.join(target, "current"))


def _leftovers(target) -> list[str]:
    found = [n for n in os.listdir(os.path.join(target, "releases")) if n.endswith(".tmp")]
    return found + (["work"] if os.path.exists(os.path.join(target, "work")) else [])


def test_publish_switches_current_to_a_precompressed_release(source, tmp_path):
    target = str(tmp_path / "site")
    result = _publish(source, target, D1)
    assert os.readlink(os.path.join(target, "current")) == f"releases/{result.build_id}"
    index = os.path.join(target, "current", "index.html")
    with open(index, "rb") as fh, gzip.open(index + ".gz") as gz:
        assert gz.read() == fh.read()
    with open(index + ".gz", "rb") as fh:
        assert fh.read()[4:8] == b"\0\0\0\0"  # gzip mtime 0: deterministic bytes
    # the staff report and the content snapshot sit beside the release, not inside it
    assert result.report_path == os.path.join(target, "releases", f"{result.build_id}.report.html")
    assert not any(n.endswith(".report.html") for n in os.listdir(result.release_dir))
    assert _leftovers(target) == []
    assert result.changes.first_release


def test_same_input_and_date_give_the_same_tree_and_id(source, tmp_path):
    a = _publish(source, str(tmp_path / "a"), D1)
    b = _publish(source, str(tmp_path / "b"), D1)
    assert a.build_id == b.build_id
    assert tree_digest(a.release_dir) == tree_digest(b.release_dir)
    again = _publish(source, str(tmp_path / "a"), D1)
    assert again.reused and again.build_id == a.build_id
    assert _publish(source, str(tmp_path / "a"), D2).build_id != a.build_id


def test_a_tampered_release_is_rebuilt_and_a_tampered_live_one_refused(source, tmp_path):
    target = str(tmp_path / "site")
    first = _publish(source, target, D1)
    digest = tree_digest(first.release_dir)
    _publish(source, target, D2)
    with open(os.path.join(first.release_dir, "index.html"), "a", encoding="utf-8") as fh:
        fh.write("edited by hand\n")
    again = _publish(source, target, D1)  # not live: rebuilt from the input, not trusted
    assert not again.reused and tree_digest(again.release_dir) == digest
    with open(os.path.join(again.release_dir, "index.html"), "a", encoding="utf-8") as fh:
        fh.write("edited by hand\n")
    with pytest.raises(PublishError, match="校验值不符"):
        _publish(source, target, D1)


def test_next_day_removes_the_expired_record_and_says_why(source, tmp_path):
    target = str(tmp_path / "site")
    _publish(source, target, D1)
    assert os.path.isdir(os.path.join(target, "current", "penalties", "cf-aaaaaaaaaaaa"))
    result = _publish(source, target, D2)
    assert not os.path.exists(os.path.join(target, "current", "penalties", "cf-aaaaaaaaaaaa"))
    penalties = {t.table: t for t in result.changes.tables}["penalties"]
    assert penalties.removed == {"cf-aaaaaaaaaaaa": "expired"}
    assert "expired" in result.changes.format_text()
    with open(result.report_path, encoding="utf-8") as fh:
        report = fh.read()
    assert "cf-aaaaaaaaaaaa" in report and "公示期满" in report


def test_rollback_restores_the_previous_release_byte_for_byte(source, tmp_path):
    target = str(tmp_path / "site")
    first = _publish(source, target, D1)
    before = _live(target)
    second = _publish(source, target, D2)
    assert _live(target) != before
    assert rollback(target, wait=0) == (second.build_id, first.build_id)
    assert _live_id(target) == first.build_id
    assert _live(target) == before


def _live_id(target):
    return ReleaseStore(target).current_id()


def test_rollback_cli_walks_back_and_refuses_at_the_first_release(source, tmp_path):
    target = str(tmp_path / "site")
    ids = [_publish(source, target, d).build_id for d in (D1, D2, D3)]
    cli = [sys.executable, "-m", "pipeline", "rollback", "--target", target, "--wait", "0"]
    for expected in (ids[1], ids[0]):
        done = subprocess.run(cli, capture_output=True, text=True, cwd=fakes.REPO)
        assert done.returncode == 0, done.stderr
        assert _live_id(target) == expected
    done = subprocess.run(cli, capture_output=True, text=True, cwd=fakes.REPO)
    assert done.returncode == 1 and "没有可回滚" in done.stderr
    assert _live_id(target) == ids[0]


def test_keep_prunes_old_releases_but_never_the_live_one(source, tmp_path):
    target = str(tmp_path / "site")
    ids = [_publish(source, target, dt.date(2026, 11, d), keep=2).build_id for d in (10, 11, 12, 13)]
    kept = sorted(n for n in os.listdir(os.path.join(target, "releases")) if "." not in n)
    assert kept == sorted(ids[-2:])
    assert not os.path.exists(os.path.join(target, "releases", ids[0] + ".content"))


def _refused(source, target, match, **kw):
    before, live_id = _live(target), _live_id(target)
    with pytest.raises(PublishError, match=match) as info:
        _publish(source, target, D2, **kw)
    assert _live_id(target) == live_id and _live(target) == before
    assert _leftovers(target) == []
    return info.value


def test_an_id_number_in_content_yaml_blocks_publishing_with_file_and_line(tmp_path):
    target = str(tmp_path / "site")
    clean = fakes.make_source(str(tmp_path / "clean"), RECORDS)
    _publish(clean, target, D1)
    planted = RECORDS + [{"id": "cf-cccccccccccc", "title": "身份证 370281199003071234",
                          "publish_until": "2027-01-01"}]
    dirty = fakes.make_source(str(tmp_path / "dirty"), planted)
    error = _refused(dirty, target, "泄露检查")
    assert "content/penalties/cf-cccccccccccc.yaml:3" in str(error)  # id, publish_until, title
    assert "output/" not in str(error)  # stopped before spending time on rendering
    with open(os.path.join(target, "releases", "failed.report.html"), encoding="utf-8") as fh:
        assert "cf-cccccccccccc.yaml:3" in fh.read()


def _append(rel: str, text: str):
    def tamper(output):
        with open(os.path.join(output, rel), "a", encoding="utf-8") as fh:
            fh.write(text)
    return tamper


def _disk_full(output):
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("tamper, match, expected", [
    (_append("theme/site.css", "/* 370281199003071234 */\n"), "泄露检查",
     "output/theme/site.css:2 id_number"),
    (_append("index.html", '<a href="/nowhere/">x</a>\n'), "链接检查", "/nowhere/"),
    (_disk_full, "生成网站", "No space left on device"),
], ids=["id-number-in-output", "broken-link", "disk-full"])
def test_a_failure_after_rendering_leaves_the_live_site(source, tmp_path, tamper, match, expected):
    target = str(tmp_path / "site")
    _publish(source, target, D1)

    def render_then_tamper(content, output, **kw):
        fakes.fake_render(content, output, **kw)
        tamper(output)
    steps = fakes.steps()
    steps.render = render_then_tamper
    assert expected in str(_refused(source, target, match, steps=steps))


def test_too_many_quarantined_rows_refuse_and_the_report_lists_them(tmp_path):
    target = str(tmp_path / "site")
    _publish(fakes.make_source(str(tmp_path / "ok"), RECORDS), target, D1)
    bad = fakes.make_source(str(tmp_path / "bad"), RECORDS, rows=10, quarantined=3)
    _refused(bad, target, "隔离的数据行过多", max_quarantine_share=0.2)
    with open(os.path.join(target, "releases", "failed.report.html"), encoding="utf-8") as fh:
        report = fh.read()
    assert report.count("日期无效") == 3 and "penalties.csv" in report
    # under the threshold the same export publishes, and the report still lists the rows
    result = _publish(bad, target, D2, max_quarantine_share=0.5)
    assert len(result.quarantine) == 3
    assert not os.path.exists(os.path.join(target, "releases", "failed.report.html"))


def _spawn(source, target, as_of, *extra, env=None):
    return subprocess.Popen([sys.executable, FAKES, source, target, as_of.isoformat(), *extra],
                            cwd=fakes.REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def _wait_for(path, timeout=30):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, f"timed out waiting for {path}"
        time.sleep(0.05)


def test_kill_9_mid_render_leaves_live_release_and_symlink(source, tmp_path):
    target = str(tmp_path / "site")
    _publish(source, target, D1)
    link, before = os.readlink(os.path.join(target, "current")), _live(target)
    hold = str(tmp_path / "hold")
    proc = _spawn(source, target, D2, "--hold", hold)
    _wait_for(hold + ".rendering")
    assert any(n.endswith(".tmp") for n in os.listdir(os.path.join(target, "releases")))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert os.readlink(os.path.join(target, "current")) == link
    assert _live(target) == before
    # the next run cleans what the killed one left and publishes normally
    result = _publish(source, target, D2)
    assert _leftovers(target) == [] and _live_id(target) == result.build_id


def test_two_publishes_never_interleave(source, tmp_path):
    target = str(tmp_path / "site")
    events = str(tmp_path / "events.log")
    env = dict(os.environ, FAKE_PUBLISH_EVENTS=events)
    hold = str(tmp_path / "hold")
    first = _spawn(source, target, D1, "--hold", hold, env=env)
    _wait_for(hold + ".rendering")
    # a second trigger that will not wait is refused with a clear message, touching nothing
    refused = _spawn(source, target, D2, "--wait", "0", env=env)
    out, err = refused.communicate(timeout=30)
    assert refused.returncode == 75 and "另一个发布或回滚正在进行" in err
    # one that waits runs only after the first has finished
    second = _spawn(source, target, D2, "--wait", "60", env=env)
    time.sleep(0.5)
    assert second.poll() is None
    open(hold, "w").close()
    assert first.wait(timeout=30) == 0 and second.wait(timeout=60) == 0
    with open(events, encoding="utf-8") as fh:
        pids = [line.split()[0] for line in fh]
    assert pids == [str(first.pid)] * 4 + [str(second.pid)] * 4  # pull, render x2, published
    assert _live_id(target).startswith("20261122-")


def test_lock_refuses_quickly_when_held(tmp_path):
    target = str(tmp_path / "site")
    with locked(target, wait=0):
        started = time.monotonic()
        with pytest.raises(LockBusy, match="--wait"):
            with locked(target, wait=0.3):
                pass
        assert 0.3 <= time.monotonic() - started < 3
