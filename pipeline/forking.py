"""Helpers for the build's child processes (the forked scrub and leak-gate pools, the spawned
search index).

Two rules keep forking safe:
- fork only when no other thread could hold a lock the child would inherit held (fork_safe);
- a child must not outlive the build process. A forked child keeps copies of the parent's open
  files, among them the publish lock (an flock, released only when every copy is closed): a
  child still writing search files after `kill -9` of the publish would keep the next publish
  out. die_with_parent() asks the kernel to kill the child when its parent dies.
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def fork_safe() -> bool:
    """True when only the main thread runs (tqdm's monitor thread is allowed: it only sleeps and
    touches tqdm's own lock, which workers never use)."""
    return all(t is threading.main_thread() or type(t).__name__ == "TMonitor"
               for t in threading.enumerate())


def die_with_parent(parent_pid: int | None = None) -> None:
    """In a forked child: get SIGKILL when the parent exits (Linux; elsewhere a no-op). If the
    parent is already gone (it died before this call), exit at once."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: nothing to ask for
        return
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)
