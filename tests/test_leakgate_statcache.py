"""The leak gate trusts a cached verdict for a file whose identity (device, inode, size, mtime,
ctime) is unchanged since it was scanned, without reading it — and never for a changed file."""

from __future__ import annotations

import builtins
import os
import time

from pipeline import leakgate


def _site(root):
    (root / "a").mkdir(parents=True, exist_ok=True)
    (root / "a" / "index.html").write_text("<p>联系 13812345678</p>\n", encoding="utf-8")
    (root / "b.html").write_text("<p>胶州市市场监管局</p>", encoding="utf-8")
    (root / "c.html").write_text("<p>ok</p>", encoding="utf-8")
    (root / "13912345678").mkdir(exist_ok=True)  # a number in a name: a remembered name verdict
    (root / "13912345678" / "index.html").write_text("<p>ok</p>", encoding="utf-8")


def _later(monkeypatch, seconds=10):
    """Scan as if `seconds` had passed: the files just written are then old enough to trust."""
    now = time.time_ns
    monkeypatch.setattr(leakgate.time, "time_ns", lambda: now() + seconds * 10**9)


def _count_reads(monkeypatch) -> list[str]:
    reads = []

    def counting_open(path, *args, **kwargs):
        if str(path).endswith(".html"):  # the site's files (not the cache or the detector code)
            reads.append(os.path.basename(str(path)))
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(leakgate, "open", counting_open, raising=False)
    return reads


def test_unchanged_files_are_not_read_again(tmp_path, monkeypatch):
    site, cache = tmp_path / "site", str(tmp_path / "private" / "leakgate.json")
    _site(site)
    _later(monkeypatch)
    first = leakgate.scan_tree(str(site), cache)
    assert first == leakgate.scan_tree(str(site))
    reads = _count_reads(monkeypatch)
    assert leakgate.scan_tree(str(site), cache) == first
    assert reads == []
    assert [l.line for l in first] == [0, 1]  # the folder name and the content hit
    assert oct(os.stat(cache).st_mode & 0o777) == "0o600"


def test_a_rewrite_with_the_same_size_and_mtime_is_scanned_again(tmp_path, monkeypatch):
    """Same size, mtime set back (and maybe the same second): the ctime still moved."""
    site, cache = tmp_path / "site", str(tmp_path / "private" / "leakgate.json")
    _site(site)
    _later(monkeypatch)
    leakgate.scan_tree(str(site), cache)
    page = site / "b.html"
    st = page.stat()
    time.sleep(0.02)  # past the kernel's coarse clock tick, so the ctime differs
    leaked = "<p>13912345678</p>".encode("utf-8")
    page.write_bytes(leaked + b" " * (st.st_size - len(leaked)))
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert page.stat().st_size == st.st_size and page.stat().st_mtime_ns == st.st_mtime_ns
    cached = leakgate.scan_tree(str(site), cache)
    assert cached == leakgate.scan_tree(str(site))
    assert {l.path.rsplit("/", 1)[-1] for l in cached} == {"index.html", "b.html", "index.html"}


def test_a_replaced_file_is_scanned_again(tmp_path, monkeypatch):
    site, cache = tmp_path / "site", str(tmp_path / "private" / "leakgate.json")
    _site(site)
    _later(monkeypatch)
    leakgate.scan_tree(str(site), cache)
    page = site / "c.html"
    st = page.stat()
    other = tmp_path / "other.html"
    other.write_text("<p>1391234</p>", encoding="utf-8")  # 8 characters, as "<p>ok</p>"
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, page)  # a new inode
    reads = _count_reads(monkeypatch)
    assert leakgate.scan_tree(str(site), cache) == leakgate.scan_tree(str(site))
    assert "c.html" in reads


def test_files_changed_right_before_a_scan_are_not_trusted(tmp_path, monkeypatch):
    """A file written within the timestamp tick of the scan could be written again in that same
    tick with the same size, leaving (size, mtime, ctime) as they were: its identity is not
    remembered, so the next scan reads it whatever its stat says."""
    site, cache = tmp_path / "site", str(tmp_path / "private" / "leakgate.json")
    _site(site)
    leakgate.scan_tree(str(site), cache)  # the files are brand new: racy
    page = site / "b.html"
    leaked = "<p>13912345678</p>".encode("utf-8")
    page.write_bytes(leaked + b" " * (page.stat().st_size - len(leaked)))
    reads = _count_reads(monkeypatch)
    cached = leakgate.scan_tree(str(site), cache)
    assert sorted(reads) == ["b.html", "c.html", "index.html", "index.html"]
    assert cached == leakgate.scan_tree(str(site))
    assert {l.path.rsplit("/", 1)[-1] for l in cached} == {"index.html", "b.html", "index.html"}


def test_other_detectors_forget_the_identities_too(tmp_path, monkeypatch):
    import json

    site, cache = tmp_path / "site", tmp_path / "leakgate.json"
    _site(site)
    _later(monkeypatch)
    leakgate.scan_tree(str(site), str(cache))
    data = json.loads(cache.read_text(encoding="utf-8"))
    assert data["files"], "identities were not remembered"
    for digest in data["verdicts"]:  # forged "clean" verdicts of other detectors
        data["verdicts"][digest] = []
    data["names"] = {}
    data["version"] = "older-detectors"
    cache.write_text(json.dumps(data), encoding="utf-8")
    assert len(leakgate.scan_tree(str(site), str(cache))) == 2
