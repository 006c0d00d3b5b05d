"""fork_safe: forking is refused while another thread runs, unless that thread is marked safe."""

from __future__ import annotations

import os

import threading

from pipeline.forking import fork_safe


def _with_thread(mark: bool) -> bool:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="sampler", daemon=True)
    if mark:
        thread.fork_safe = True
    thread.start()
    try:
        return fork_safe()
    finally:
        stop.set()
        thread.join()


def test_only_the_main_thread_is_fork_safe():
    """In a fresh interpreter: earlier tests in this process leave threads behind (a test HTTP
    server, Playwright's event loop), which rightly make forking unsafe here."""
    import subprocess
    import sys

    code = "from pipeline.forking import fork_safe; print(fork_safe())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.strip() == "True", out.stderr


def test_another_thread_makes_forking_unsafe():
    assert not _with_thread(mark=False)


def test_a_thread_marked_fork_safe_is_allowed():
    assert _with_thread(mark=True)
