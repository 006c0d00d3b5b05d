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
