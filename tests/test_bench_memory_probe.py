"""The benchmark's memory probe: the Pss sum of a process tree counts forked pages once."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from pipeline.memory_probe import TreeMemory, descendants, pss_kb, tree_pss_kb

MB = 1024 * 1024


def test_a_forked_child_sharing_the_heap_is_not_counted_twice():
    heap = bytearray(os.urandom(1024)) * (200 * 1024)  # 200 MB of touched, private pages
    before = tree_pss_kb(os.getpid()) / 1024
    pid = os.fork()
    if pid == 0:  # the child only sleeps: every page of `heap` stays shared with the parent
        time.sleep(2)
        os._exit(0)
    try:
        time.sleep(0.5)
        assert pid in descendants(os.getpid())
        rss_sum = sum(int(open(f"/proc/{p}/status").read().split("VmRSS:")[1].split()[0])
                      for p in (os.getpid(), pid)) / 1024
        tree = tree_pss_kb(os.getpid()) / 1024
        assert rss_sum > 2 * 200  # what adding the two RSS figures would claim
        assert tree < before + 100, (tree, before)  # the shared 200 MB are counted once
    finally:
        os.waitpid(pid, 0)
    del heap


def test_the_sampler_sees_a_child_process_that_has_come_and_gone():
    # it lives 3 s: the sampler waits 20x as long as a sample takes, and a sample of a large test
    # process (the whole suite runs in it) takes tens of ms
    code = "b = bytearray(300 * 1024 * 1024); import time; time.sleep(3)"
    with TreeMemory(interval=0.05) as memory:
        subprocess.run([sys.executable, "-c", code], check=True)
    assert memory.samples >= 2
    assert memory.peak_mb > 300, memory.peak_mb  # the child's 300 MB were in the tree at its peak
    assert pss_kb(2 ** 22 + 12345) == 0  # no such process: nothing, not an error
