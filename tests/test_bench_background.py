"""SpawnedJob: a build step in a child process returns its value or fails the build."""

from __future__ import annotations

import os
import sys
import time

import pytest

from plugins.gongshi import timings
from plugins.gongshi.background import SpawnedJob


# SpawnedJob: a fresh interpreter (no copy of the build's heap); steps are module-level functions

_SET_IN_THIS_PROCESS = {"by_test": False}  # a forked child would see the test's change


def _write_and_report(target: str, docs: list) -> dict:
    with open(target, "w", encoding="utf-8") as fh:
        fh.write("from child")
    return {"pid": os.getpid(), "docs": len(docs), "parent_state": _SET_IN_THIS_PROCESS["by_test"]}


def _fail(message: str):
    raise ValueError(message)


def _exit_early():
    os._exit(3)


def test_spawned_value_and_files_come_back_from_a_fresh_process(tmp_path):
    target = tmp_path / "written.txt"
    _SET_IN_THIS_PROCESS["by_test"] = True
    value = SpawnedJob(_write_and_report, (str(target), list(range(50_000))), "test.spawned").result()
    assert value["docs"] == 50_000  # arguments larger than a pipe buffer arrive whole
    assert value["pid"] != os.getpid(), "the step did not run in another process"
    assert not value["parent_state"], "the child is a fresh interpreter, not a fork"
    assert target.read_text(encoding="utf-8") == "from child"
    assert "test.spawned" in timings.CPU


def test_spawned_exception_fails_with_its_traceback():
    with pytest.raises(RuntimeError, match="bad shard 9"):
        SpawnedJob(_fail, ("bad shard 9",), "test.spawned_failing").result()


def test_spawned_child_that_dies_without_a_result_fails():
    with pytest.raises(RuntimeError, match="without a result"):
        SpawnedJob(_exit_early, (), "test.spawned_dead").result()


def test_unpicklable_arguments_fail_in_the_parent_and_leave_no_child():
    with pytest.raises(Exception):
        SpawnedJob(_fail, (lambda: 1,), "test.unpicklable")


def test_a_plugin_loaded_from_plugin_paths_runs_in_the_child(tmp_path):
    """Pelican imports the plugin as `gongshi` from PLUGIN_PATHS, which is not on sys.path."""
    import subprocess

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    plugins = os.path.join(repo, "plugins")
    script = f"""
import importlib.machinery, importlib.util, sys
spec = importlib.machinery.PathFinder.find_spec("gongshi", [{plugins!r}])
mod = importlib.util.module_from_spec(spec); sys.modules["gongshi"] = mod; spec.loader.exec_module(mod)
from gongshi.background import SpawnedJob
from gongshi.generators.search import build_index
from gongshi.search_index import SearchDoc
assert "gongshi" not in [p.rsplit("/", 1)[-1] for p in sys.path]
docs = [SearchDoc("agency", "a1", "/agencies/a1/", "胶州市市场监督管理局", body="a1")]
print(SpawnedJob(build_index, (docs, {str(tmp_path)!r}, {{}}, None, None, None), "t").result())
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=repo, env={**os.environ, "PYTHONPATH": ""})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(1, None)"
    assert (tmp_path / "search" / "manifest.json").exists()


def test_the_spawned_child_dies_with_its_parent(tmp_path):
    pid_file = tmp_path / "child.pid"
    (tmp_path / "slow_step.py").write_text(f"""
import os, time
def step():
    open({str(pid_file)!r}, "w").write(str(os.getpid()))
    time.sleep(60)
""", encoding="utf-8")
    script = f"""
import sys, time
sys.path[:0] = [{os.getcwd()!r}, {str(tmp_path)!r}]
from plugins.gongshi.background import SpawnedJob
from slow_step import step
job = SpawnedJob(step, (), "test.spawned_orphan")
time.sleep(60)
"""
    assert_child_dies_with_parent(script, pid_file)


def assert_child_dies_with_parent(script: str, pid_file, start_timeout: float = 30) -> None:
    """Run `script` (it starts a background job whose step writes its pid to pid_file), SIGKILL
    it once the job runs, and require the job's process to be gone within 10 s."""
    import signal
    import subprocess

    parent = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + start_timeout
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
