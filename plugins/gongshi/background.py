"""Run one build step in a forked child process while the main process renders pages.

The render is single-threaded Python, and the machines it runs on have at least two cores. A step
whose input is ready early and whose output is files plus a small summary (the search index) can
run beside the page families: fork after its input is computed, write the files in the child, send
the summary back through a pipe. Pelican empties the output folder before any generator runs, so
files written by the child are never deleted under it.

Without fork (another OS) the step simply runs in the calling process when it is started.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback

from pipeline.forking import die_with_parent

from . import timings


def _can_fork() -> bool:
    return hasattr(os, "fork") and "fork" in multiprocessing.get_all_start_methods()


class ForkedJob:
    """`fn()` run in a child process; `result()` waits and returns its (picklable) value.

    The child's CPU and wall seconds are recorded in timings under `label`, since the parent's
    process_time() does not see them. An exception in the child is re-raised in the parent as a
    RuntimeError carrying the child's traceback, so a failed step still fails the build."""

    def __init__(self, fn, label: str):
        self.label = label
        self._process = None
        if not _can_fork():
            self._outcome = _run(fn)
            return
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(fn, sender, os.getpid()), name=label,
                                        daemon=True)
        self._process.start()
        sender.close()  # the parent's copy: recv() sees EOF if the child dies without sending

    def result(self):
        if self._process is not None:
            try:
                self._outcome = self._receiver.recv()
            except EOFError:
                self._outcome = ("error", f"{self.label}: the child process exited "
                                          f"without a result", 0.0, 0.0)
            finally:
                self._receiver.close()
                self._process.join()
                self._process = None
        status, value, wall, cpu = self._outcome
        timings.record(self.label, wall, cpu)
        if status == "error":
            raise RuntimeError(value)
        return value


def _run(fn) -> tuple:
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        outcome, value = "ok", fn()
    except Exception:
        outcome, value = "error", traceback.format_exc()
    return outcome, value, time.perf_counter() - wall, time.process_time() - cpu


def _child(fn, sender, parent_pid: int) -> None:
    # killed with the build: an orphan would keep writing into a dead build's output and hold
    # the parent's open files, the publish lock among them (pipeline/forking.py)
    die_with_parent(parent_pid)
    try:
        sender.send(_run(fn))
    finally:
        sender.close()
