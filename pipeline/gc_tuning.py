"""Garbage-collector setting for the big batch stages (pull, render).

CPython runs a full (oldest-generation) collection whenever the heap has grown by a quarter, and
each one walks every live container. A build that loads ~10^6 objects (content records, the
search index under construction) and keeps them triggers such walks again and again: measured at
scale 1, the search index took 7.3 CPU-s with them and 5.2 without, the whole render 14.3 against
10.7. The objects are needed until the stage ends, so the walks find nothing. Young collections
still run (short-lived reference cycles of each page render are freed as before); only the
full ones wait until the stage is over.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc


@contextlib.contextmanager
def no_full_collections():
    """Keep generation 0 and 1 collections, skip generation 2 ones, inside the block."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1 << 30)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def release_memory() -> None:
    """Free the garbage a stage left behind and hand free heap pages back to the OS.

    The stages keep full collections off (above), so the reference cycles of a finished stage
    (Pelican's generators and context, pandas frames) stay allocated until some later full
    collection. Between stages: collect them, then malloc_trim(0) returns the freed pages of
    glibc's heap (large lists, dict tables, arrays) to the OS, so the next stage starts smaller
    and processes forked from this one (the leak gate's pool) do not map them."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the pages stay with the process
        pass
