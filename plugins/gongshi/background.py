"""Run one build step in a fresh Python process while the main process renders pages.

The render is single-threaded Python, and the machines it runs on have at least two cores. A step
whose input is ready early and whose output is files plus a small summary (the search index) can
run beside the page families: start it once its input is computed, write the files in the child,
send the summary back through a pipe. Pelican empties the output folder before any generator runs,
so files written by the child are never deleted under it.

Why not fork: a forked child shares the parent's pages only until either process writes to one.
The render keeps writing all over its heap (new objects land in free slots of old pages, reading a
record changes its reference count), so each page the parent touches after the fork became a
private copy of the child: at scale 10 the search child ended with ~750 MB of private memory, of
which its own index needs ~230 MB. A fresh interpreter gets only its arguments (pickled through a
pipe), so the child holds what the step needs and the parent may free the arguments once sent.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
import traceback

from pipeline.forking import die_with_parent

from . import timings


class SpawnedJob:
    """`fn(*args)` run in a fresh Python process; `result()` waits and returns its (picklable)
    value.

    The child's CPU and wall seconds are recorded in timings under `label`, since the parent's
    process_time() does not see them. An exception in the child is re-raised in the parent as a
    RuntimeError carrying the child's traceback, so a failed step still fails the build.

    fn must be a module-level function and args picklable. The child imports fn's module with
    the parent's sys.path plus the folder of fn's top-level package (Pelican loads the plugin
    from PLUGIN_PATHS, which is not on sys.path). The child gets SIGKILL when the parent dies,
    like a forked one; its stdout and stderr are the parent's."""

    def __init__(self, fn, args: tuple, label: str):
        self.label = label
        top = sys.modules[fn.__module__.split(".")[0]]
        path = list(sys.path)
        if getattr(top, "__path__", None):  # a package: its parent folder makes it importable
            path.append(os.path.dirname(os.path.abspath(list(top.__path__)[0])))
        results_r, results_w = os.pipe()
        bootstrap = (f"import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
                     f"import {__name__} as m; m._spawned({os.getpid()}, {results_w})")
        self._spawned = subprocess.Popen([sys.executable, "-c", bootstrap, json.dumps(path)],
                                         stdin=subprocess.PIPE, pass_fds=(results_w,))
        os.close(results_w)  # the child's copy stays open: read() sees EOF when it exits
        self._receiver = os.fdopen(results_r, "rb")
        try:  # streamed in frames: the parent never holds the whole pickle
            pickle.dump((fn, args), self._spawned.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        except BrokenPipeError:  # the child died early; result() reports it
            pass
        except BaseException:  # e.g. unpicklable args: no child left waiting for them
            self._spawned.kill()
            self._spawned.wait()
            self._receiver.close()
            raise
        finally:
            try:
                self._spawned.stdin.close()
            except BrokenPipeError:
                pass

    def result(self):
        if self._spawned is not None:
            try:
                self._outcome = pickle.load(self._receiver)
            except (EOFError, pickle.UnpicklingError):
                self._outcome = ("error", f"{self.label}: the child process exited "
                                          f"without a result", 0.0, 0.0)
            finally:
                self._receiver.close()
                self._spawned.wait()
                self._spawned = None
        status, value, wall, cpu = self._outcome
        timings.record(self.label, wall, cpu)
        if status == "error":
            raise RuntimeError(value)
        return value


def _spawned(parent_pid: int, results_fd: int) -> None:
    """Main of a SpawnedJob's child: (fn, args) from stdin, the outcome to results_fd."""
    die_with_parent(parent_pid)
    from pipeline.gc_tuning import no_full_collections

    # young collections only, as in the parent (gc_tuning): the step keeps what it builds until
    # it ends, so full collections would walk ~10^6 live objects again and again for nothing
    with no_full_collections():
        fn, args = pickle.load(sys.stdin.buffer)
        status, value, wall, _ = _run(lambda: fn(*args))
    # the whole child's CPU: interpreter start, imports and unpickling are this step's cost too
    outcome = (status, value, wall, time.process_time())
    with os.fdopen(results_fd, "wb") as out:
        pickle.dump(outcome, out, protocol=pickle.HIGHEST_PROTOCOL)


def _run(fn) -> tuple:
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        outcome, value = "ok", fn()
    except Exception:
        outcome, value = "error", traceback.format_exc()
    return outcome, value, time.perf_counter() - wall, time.process_time() - cpu
