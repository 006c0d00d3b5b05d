"""Wall and CPU time per page family and phase, for the benchmark (`python -m pipeline bench`).

FamilyGenerator subclasses get their two phases wrapped (see base.py); when the build finishes
the totals go to the file named by the GONGSHI_TIMINGS_FILE setting, if any, as
{"wall_s": {"<family>.<phase>": s}, "cpu_s": {...}}. CPU seconds stay meaningful when other work
shares the machine; wall seconds do not. A phase's CPU is the calling (main) thread's own: the
lookup's key-derivation threads run beside other families' phases and are recorded on their own
(lookup.derive_threads), as is the search index's child process (search.index_files), so no
second counts twice and the families' figures add up to the render's."""

from __future__ import annotations

import functools
import json
import time
from collections import defaultdict

TIMES: dict[str, float] = defaultdict(float)
CPU: dict[str, float] = defaultdict(float)


def timed(phase: str, method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return method(self, *args, **kwargs)
        finally:
            TIMES[f"{self.family}.{phase}"] += time.perf_counter() - start
            CPU[f"{self.family}.{phase}"] += time.thread_time() - cpu
    return wrapper


def record(key: str, wall: float, cpu: float) -> None:
    """Add a step's times measured elsewhere (e.g. in a child process, see background.py)."""
    TIMES[key] += wall
    CPU[key] += cpu


def write_timings(pelican_obj) -> None:
    path = pelican_obj.settings.get("GONGSHI_TIMINGS_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"wall_s": {k: round(v, 2) for k, v in sorted(TIMES.items())},
                       "cpu_s": {k: round(v, 2) for k, v in sorted(CPU.items())}}, fh, indent=1)
    TIMES.clear()
    CPU.clear()
