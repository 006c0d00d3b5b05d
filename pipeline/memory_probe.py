"""Peak memory of a process tree, for the benchmark: what the build really occupies in RAM.

ru_maxrss answers "how large did this one process get", and RUSAGE_CHILDREN only gives the largest
reaped child. The build forks worker pools (the pull's scrub pool, the leak-gate pool); a forked
child's RSS counts every page it still shares with its parent, so adding the parent's and the
child's RSS counts the shared heap twice. The proportional set size (Pss, /proc/PID/smaps_rollup) splits each shared
page between the processes that map it, so the sum over the tree is the memory the build occupies.
A sampler process reads that sum repeatedly; a spike shorter than its interval can be missed,
which is why the benchmark reports the build process's exact ru_maxrss next to it.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
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
    its descendants during the block.

    The sampler is a separate process, so its work is not counted as the measured process's CPU
    (reading smaps_rollup walks the page tables: ~16 ms per sample at 1 GB) and it never holds
    this process's GIL; it is reaped on exit, after the caller's own CPU clocks have stopped. It
    waits at least 20 times as long as a sample took, so it costs under 5 % of a core."""

    def __init__(self, interval: float = 0.1, pid: int | None = None):
        self.interval = interval
        self.pid = pid or os.getpid()
        self.peak_kb = 0
        self.samples = 0
        self.sampler_cpu_s = 0.0
        self._proc = None

    def __enter__(self) -> "TreeMemory":
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.memory_probe", str(self.pid), str(self.interval)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        ready = self._proc.stdout.readline()  # sampling has begun
        if not ready.startswith("ready"):
            raise RuntimeError("memory probe did not start")
        return self

    def __exit__(self, *exc) -> None:
        out, _ = self._proc.communicate()  # closing stdin tells it to take a last sample and stop
        figures = json.loads(out.strip().splitlines()[-1])
        self.peak_kb, self.samples = figures["peak_kb"], figures["samples"]
        self.sampler_cpu_s = figures["cpu_s"]

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kb / 1024, 1)


def _sample_until_stdin_closes(pid: int, interval: float) -> dict:
    me = os.getpid()
    peak = samples = 0
    print("ready", flush=True)
    while True:
        started = time.perf_counter()
        peak = max(peak, sum(pss_kb(p) for p in [pid, *descendants(pid)] if p != me))
        samples += 1
        took = time.perf_counter() - started
        readable, _, _ = select.select([sys.stdin], [], [], max(interval, 20 * took))
        if readable and not sys.stdin.read(1):  # EOF: the block has ended
            peak = max(peak, sum(pss_kb(p) for p in [pid, *descendants(pid)] if p != me))
            return {"peak_kb": peak, "samples": samples + 1, "cpu_s": round(time.process_time(), 3)}


if __name__ == "__main__":
    print(json.dumps(_sample_until_stdin_closes(int(sys.argv[1]), float(sys.argv[2]))), flush=True)
