"""One render of the statistics fixture tree per test run, shared by the statistics test modules
(a render takes seconds, mostly the site search index)."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile

from conftest import REPO, render_tree

FIXTURE = os.path.join(REPO, "tests", "fixtures", "stats", "content")


@functools.cache
def rendered() -> str:
    """Output folder of tests/fixtures/stats/content, rendered once; removed at exit."""
    root = tempfile.mkdtemp(prefix="gongshi-stats-")
    atexit.register(shutil.rmtree, root, True)
    return render_tree(FIXTURE, os.path.join(root, "output"))
