"""Wall time per page family and phase, for the benchmark (`python -m pipeline bench`).

FamilyGenerator subclasses get their two phases wrapped (see base.py); when the build finishes
the totals go to the file named by the GONGSHI_TIMINGS_FILE setting, if any."""

from __future__ import annotations

import functools
import json
import time
from collections import defaultdict

TIMES: dict[str, float] = defaultdict(float)


def timed(phase: str, method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            TIMES[f"{self.family}.{phase}"] += time.perf_counter() - start
    return wrapper


def write_timings(pelican_obj) -> None:
    path = pelican_obj.settings.get("GONGSHI_TIMINGS_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({k: round(v, 2) for k, v in sorted(TIMES.items())}, fh, indent=1)
    TIMES.clear()
