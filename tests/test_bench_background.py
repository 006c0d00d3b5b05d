"""ForkedJob: a build step in a child process returns its value or fails the build."""

from __future__ import annotations

import os

import pytest

from plugins.gongshi import timings
from plugins.gongshi.background import ForkedJob


def test_value_and_files_come_back_from_the_child(tmp_path):
    target = tmp_path / "written.txt"

    def step():
        target.write_text("from child", encoding="utf-8")
        return {"pid": os.getpid(), "docs": 3}

    value = ForkedJob(step, "test.step").result()
    assert value["docs"] == 3
    assert value["pid"] != os.getpid(), "the step did not run in another process"
    assert target.read_text(encoding="utf-8") == "from child"
    assert "test.step" in timings.CPU


def test_an_exception_in_the_child_fails_with_its_traceback():
    def step():
        raise ValueError("bad shard 7")

    with pytest.raises(RuntimeError, match="bad shard 7"):
        ForkedJob(step, "test.failing").result()


def test_a_child_that_dies_without_a_result_fails():
    def step():
        os._exit(3)

    with pytest.raises(RuntimeError, match="without a result"):
        ForkedJob(step, "test.dead").result()


def test_the_child_dies_with_its_parent(tmp_path):
    """kill -9 of the build process must not leave the search child running (it would hold
    the publish lock and write into a dead build's output)."""
    import signal
    import subprocess
    import sys
    import time

    pid_file = tmp_path / "child.pid"
    script = f"""
import os, sys, time
sys.path.insert(0, {os.getcwd()!r})
from plugins.gongshi.background import ForkedJob
def step():
    open({str(pid_file)!r}, "w").write(str(os.getpid()))
    time.sleep(60)
job = ForkedJob(step, "test.orphan")
time.sleep(60)
"""
    parent = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 20
    while not pid_file.exists() or not pid_file.read_text():
        assert time.time() < deadline, "the child never started"
        time.sleep(0.05)
    child = int(pid_file.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        with open(f"/proc/{child}/stat") as fh:  # a zombie (reaped by init soon) is dead too
            if fh.read().split(") ", 1)[1].startswith("Z"):
                return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    raise AssertionError("the child outlived its killed parent")
