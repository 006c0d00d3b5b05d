"""Peak memory of a process tree, for the benchmark: what the build really occupies in RAM.

ru_maxrss answers "how large did this one process get", and RUSAGE_CHILDREN only gives the largest
reaped child. The build forks (the search-index process, the leak-gate pool); a forked child's RSS
counts every page it still shares with its parent, so adding the parent's and the child's RSS counts
the shared heap twice. The proportional set size (Pss, /proc/PID/smaps_rollup) splits each shared
page between the processes that map it, so the sum over the tree is the memory the build occupies.
A background thread samples that sum; a spike shorter than the interval can be missed, which is why
the benchmark reports the build process's exact ru_maxrss next to it.
"""

from __future__ import annotations

import os
import threading
import time


def descendants(pid: int) -> list[int]:
    """Every live descendant of pid (children of all its threads, recursively)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue  # it exited meanwhile
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def pss_kb(pid: int) -> int:
    """Proportional set size of one process in kB (0 if it is gone); VmRSS where the kernel has no
    smaps_rollup (an over-estimate for forked processes, never an under-estimate)."""
    for path, field in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(field):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def tree_pss_kb(pid: int) -> int:
    return sum(pss_kb(p) for p in [pid, *descendants(pid)])


class TreeMemory:
    """`with TreeMemory() as m: ...` then m.peak_mb: the largest sampled Pss sum of this process and
    its descendants during the block."""

    def __init__(self, interval: float = 0.1, pid: int | None = None):
        self.interval = interval
        self.pid = pid or os.getpid()
        self.peak_kb = 0
        self.samples = 0
        self.sampler_cpu_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-memory", daemon=True)
        self._thread.fork_safe = True  # it only reads /proc: forking beside it is safe

    def _sample(self) -> None:
        self.peak_kb = max(self.peak_kb, tree_pss_kb(self.pid))
        self.samples += 1

    def _run(self) -> None:
        started = time.thread_time()
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)
        self.sampler_cpu_s = time.thread_time() - started

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()  # the state at the end counts too

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kb / 1024, 1)
