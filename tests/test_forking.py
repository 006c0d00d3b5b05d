"""fork_safe: forking is refused while another thread runs.

Each case runs in a fresh interpreter: earlier tests in the suite leave threads behind (a test
HTTP server, Playwright's event loop), which rightly make forking unsafe in the test process."""

from __future__ import annotations

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_WITH_THREAD = """
import threading
from pipeline.forking import fork_safe
stop = threading.Event()
thread = threading.Thread(target=stop.wait, name="sampler", daemon=True)
thread.start()
print(fork_safe())
stop.set()
"""


def _fresh(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_only_the_main_thread_is_fork_safe():
    assert _fresh("from pipeline.forking import fork_safe; print(fork_safe())") == "True"


def test_another_thread_makes_forking_unsafe():
    assert _fresh(_WITH_THREAD) == "False"
