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
