"""Leak gate: scan every file of a built site for personal data before it is published (domain §3).

It reports ID numbers (any 18-character number with a valid check digit, whatever its place code;
15-digit legacy numbers; masked fragments such as 3412261991****5971), mobile numbers and bank card
numbers — the same detectors `pipeline.sanitize` masks with, so the build checks what it promised.
The portal's own public numbers (统一社会信用代码, 工商注册号, decision numbers, dates, hashes, build
ids, search-index numbers) are not reported; see sanitize.find_personal_data for how.

Usage: `python -m pipeline.leakgate DIR` prints `path:line: kind: excerpt` per hit, exit status 1
when there is any.
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import json
import operator
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.forking import die_with_parent, fork_safe
from pipeline.gc_tuning import no_full_collections
import pipeline.sanitize as sanitize
from pipeline.sanitize import find_personal_data

# Full-width digits and signs map one-to-one onto ASCII, so offsets in the text stay valid.
_FULLWIDTH_CHARS = "０１２３４５６７８９Ｘｘ＊＋－"
_FULLWIDTH = str.maketrans(_FULLWIDTH_CHARS, "0123456789Xx*+-")
# str.translate costs ~50 ns a character even when nothing maps (it was 70 % of a cold scan), and
# site files almost never hold full-width digits: translate only texts that contain one. Checked on
# the UTF-8 bytes (a decoded character exists only if its exact byte sequence does), 7x cheaper.
_FULLWIDTH_RE = re.compile(f"[{_FULLWIDTH_CHARS}]")
_FULLWIDTH_UTF8_RE = re.compile(b"|".join(re.escape(c.encode("utf-8")) for c in _FULLWIDTH_CHARS))
_SNIFF = 8192
# Every hit lies inside a run like this (11+ digits, with *, +, - or spaces between). One pass of
# this cheap pattern, then the exact detectors on the few runs, is about four times faster than
# running every detector over whole files.
_CANDIDATE_RE = re.compile(r"[+0-9][0-9*+\-\s]{9,}[0-9Xx]")
_CONTEXT = 24


@dataclass(frozen=True)
class Leak:
    path: str
    line: int
    kind: str
    excerpt: str  # the hit itself is replaced by ‹kind›, so the report leaks nothing either

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.excerpt}"


def _is_binary(data: bytes) -> bool:
    """Fonts, images and other binaries carry NUL bytes early on; text files never do."""
    return b"\x00" in data[:_SNIFF]


def _read_text(path: Path, data: bytes | None = None) -> tuple[str, bool] | None:
    """(the file's text, whether it holds a full-width digit or sign) — a .gz file decompressed —
    or None for binaries and duplicates. `data`: the file's bytes when already read."""
    data = path.read_bytes() if data is None else data
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return None if _is_binary(data) else _decoded(data)
        plain = path.with_suffix("")
        if plain.is_file() and plain.stat().st_size == len(data) and plain.read_bytes() == data:
            return None  # a gzip_static copy of a file scanned on its own
    if _is_binary(data):
        return None
    return _decoded(data)


def _decoded(data: bytes) -> tuple[str, bool]:
    return data.decode("utf-8", "replace"), _FULLWIDTH_UTF8_RE.search(data) is not None


def _excerpt(line: str, start: int, end: int, kind: str, hits_in_line) -> str:
    """Context around the hit, with this and every other hit in the window masked."""
    lo, hi = max(0, start - _CONTEXT), min(len(line), end + _CONTEXT)
    parts, pos = [], lo
    for _, s, e in hits_in_line:
        if e <= lo or s >= hi:
            continue
        s, e = max(s, lo), min(e, hi)
        parts.append(line[pos:s])
        parts.append(f"‹{kind}›" if (s, e) == (start, end) else "‹…›")
        pos = e
    parts.append(line[pos:hi])
    text = "".join(parts).replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return ("…" if lo > 0 else "") + text + ("…" if hi < len(line) else "")


def _find(text: str) -> list[tuple[str, int, int]]:
    """sanitize.find_personal_data over the candidate runs only (two characters of context on each
    side keep its boundary checks exact: hex digests, decimals and codes are still recognised)."""
    hits = []
    for m in _CANDIDATE_RE.finditer(text):
        lo = max(0, m.start() - 2)
        hits.extend((k, s + lo, e + lo) for k, s, e in find_personal_data(text[lo:m.end() + 2]))
    return hits


def scan_text(text: str, path: str = "") -> list[Leak]:
    """Leaks in one text; line numbers count from 1."""
    return _scan(text, path, _FULLWIDTH_RE.search(text) is not None)


def _scan(text: str, path: str, fullwidth: bool) -> list[Leak]:
    """scan_text, told whether the text holds any full-width character that needs mapping (when it
    holds none, translate() would return the text unchanged)."""
    if fullwidth:
        text = text.translate(_FULLWIDTH)
    hits = _find(text)
    if not hits:
        return []
    newlines = [m.start() for m in re.finditer("\n", text)]
    leaks = []
    for kind, start, end in hits:
        index = bisect.bisect_left(newlines, start)
        line_start = newlines[index - 1] + 1 if index else 0
        line_end = newlines[index] if index < len(newlines) else len(text)
        line = text[line_start:line_end]
        in_line = [(k, s - line_start, e - line_start) for k, s, e in hits if line_start <= s < line_end]
        leaks.append(Leak(path, index + 1, kind, _excerpt(line, start - line_start, end - line_start, kind,
                                                           in_line)))
    return leaks


def _detector_version() -> str:
    """Digest of the detector code: a cached verdict is only reused by the same detectors."""
    digest = hashlib.sha256()
    for module_file in (__file__, sanitize.__file__):
        with open(module_file, "rb") as fh:
            digest.update(fh.read())
    return digest.hexdigest()


# A file whose ctime (or mtime) is this close to the moment it was looked at may still change
# within the same timestamp tick (coarse kernel clocks, 2 s on some filesystems): its identity is
# not remembered, so the next scan reads it again (git's "racily clean" entries).
_RACY_NS = 2_000_000_000


class VerdictCache:
    """{sha256 of a file's bytes: [(line, kind, excerpt), ...]} kept between builds (a private
    file, e.g. next to the render cache), so a rebuild only scans files whose bytes changed; and
    {relative path: "device:inode:size:mtime_ns:ctime_ns:sha256"} (one string: JSON reads and
    writes 68k of them in a fraction of the time lists take) plus the name verdicts that are not
    empty, so a file whose identity is unchanged since it was scanned is not even read (as git's
    index trusts an unchanged stat): any write to a file moves its ctime, which no user call can
    set back, and a replaced file has another inode."""

    def __init__(self, path: str | None):
        self.path, self.version, self.old, self.new = path, _detector_version(), {}, {}
        self.old_files: dict[str, str] = {}
        self.new_files: dict[str, str] = {}
        self.old_names: dict[str, list] = {}
        self.new_names: dict[str, list] = {}
        if path and os.path.exists(path):
            try:
                with open(path, encoding="utf-8") as fh:
                    data = json.load(fh)
                if data.get("version") == self.version:
                    self.old = data["verdicts"]
                    self.old_files = data.get("files") or {}
                    self.old_names = data.get("names") or {}
            except (OSError, ValueError, KeyError):
                self.old, self.old_files, self.old_names = {}, {}, {}

    def save(self) -> None:
        if self.path:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            # owner-only, like every private file: the excerpts are masked, the paths are not
            fd = os.open(self.path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                # dumps, not dump: json.dump streams through the pure-Python encoder (~10x slower)
                fh.write(json.dumps({"version": self.version, "verdicts": self.new,
                                     "files": self.new_files, "names": self.new_names},
                                    ensure_ascii=False,
                                    separators=(",", ":")))
            os.chmod(self.path + ".tmp", 0o600)  # O_CREAT's mode only applies to a new file
            os.replace(self.path + ".tmp", self.path)


def _content_verdict(path: Path, data: bytes | None = None) -> list[list]:
    read = _read_text(path, data)
    if not read or not read[0]:
        return []
    return [[leak.line, leak.kind, leak.excerpt] for leak in _scan(read[0], "", read[1])]


def _name_verdict(rel: str) -> list[tuple]:
    # A number in a file or folder name ends up in every URL pointing there (line 0).
    return [(0, leak.kind, leak.excerpt) for leak in scan_text(rel)]


def _scan_file(item: tuple[str, str, bytes | None]):
    """(name leaks, content leaks) of one file: the expensive part, run in worker processes for a
    large tree, so it takes and returns plain data. `data`: the bytes when the parent read them."""
    path, rel, data = item
    return _name_verdict(rel), _content_verdict(Path(path), data)


def _scan_chunk(chunk: list) -> list:
    return [_scan_file(item) for item in chunk]


_NAME = operator.attrgetter("name")


def _files(root: str) -> list[tuple[str, str, os.stat_result]]:
    """(path, name relative to root with /, stat) of every regular file under root (symlinks
    followed, as Path.is_file does; symlinked folders not entered, as os.walk), in report order:
    a folder's files by name, then its subfolders by name."""
    files: list = []

    def walk(folder: str, rel_dir: str) -> None:
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            return
        entries.sort(key=_NAME)
        prefix = folder if folder.endswith(os.sep) else folder + os.sep
        folders = []
        for entry in entries:
            try:
                if entry.is_dir():
                    if not entry.is_symlink():
                        folders.append(entry.name)
                    continue
                if not entry.is_file():
                    continue
                st = entry.stat()
            except OSError:  # vanished, or a dangling link
                continue
            files.append((prefix + entry.name, rel_dir + entry.name, st))
        for name in folders:
            walk(prefix + name, f"{rel_dir}{name}/")

    walk(str(Path(root)), "")  # the path spelling Leak.path has always had
    return files


# Below this many files to scan a pool costs more than it saves (a fork of a large build process
# is not free): small trees, and rebuilds where the verdict cache answers for most files.
_POOL_MIN_FILES = 500


def _scan_files(items: list, workers: int | None) -> list:
    """_scan_file of every item, in order; spread over the cores when there are many (the scan
    is CPU-bound: regular expressions over ~80 MB at scale 1)."""
    if workers is None:
        workers = min(len(os.sched_getaffinity(0)), 4) if len(items) >= _POOL_MIN_FILES else 1
    if workers <= 1 or len(items) < 2 or not fork_safe():
        return [_scan_file(item) for item in items]
    import gc
    import multiprocessing
    size = max(1, len(items) // (workers * 16))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    # Frozen objects are never traversed by the children's garbage collector, so a collection in
    # a worker does not copy a large parent's heap page by page (copy-on-write). Forking a build
    # process of ~800 MB still costs ~0.3 CPU s in all; the wall time is what the pool saves.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(
                workers, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            results = [v for chunk in pool.imap(_scan_chunk, chunks) for v in chunk]
            pool.close()
            pool.join()  # reaped workers: their CPU time shows in os.times() (the bench's figures)
    finally:
        gc.unfreeze()
    return results


def scan_tree(root: str, cache_path: str | None = None, workers: int | None = None) -> list[Leak]:
    """Every leak in every text file under root (sorted by path, then line). `cache_path`: a
    private verdict cache (VerdictCache) so unchanged files are not read or scanned again.
    `workers`: processes to scan with (default: one per core, up to 4, when 500+ files need
    scanning)."""
    # After a render in the same process (the bench, publish) the heap holds millions of objects:
    # a full collection set off by the ~10^5 small containers made here would walk them all
    with no_full_collections():
        return _scan_tree(root, cache_path, workers)


def _scan_tree(root: str, cache_path: str | None, workers: int | None) -> list[Leak]:
    cache = VerdictCache(cache_path) if cache_path else None
    # identities seen from here on may be racy (_RACY_NS); taken before the first stat
    trusted_before = time.time_ns() - _RACY_NS
    entries = []  # per file: (path, rel, digest or None, cached content verdict or None, names)
    for path, rel, st in _files(root):
        digest = found = names = None
        if cache is not None and not path.endswith(".gz"):  # a .gz verdict depends on its sibling
            identity = f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:"
            known = cache.old_files.get(rel)
            if known is not None and known.startswith(identity) \
                    and known[len(identity):] in cache.old:
                digest, names = known[len(identity):], cache.old_names.get(rel, [])
            else:
                with open(path, "rb") as fh:
                    digest = hashlib.sha256(fh.read()).hexdigest()
            found = cache.old.get(digest)
            if max(st.st_mtime_ns, st.st_ctime_ns) < trusted_before:
                cache.new_files[rel] = identity + digest
        entries.append((path, rel, digest, found, names))
    # files the cache does not answer for are scanned (re-read there: holding or pickling every
    # file's bytes would cost more than reading them again from the page cache)
    scanned = iter(_scan_files([(e[0], e[1], None) for e in entries if e[3] is None], workers))
    leaks: list[Leak] = []
    for path, rel, digest, found, names in entries:
        if found is None:
            names, found = next(scanned)
        elif names is None:
            names = _name_verdict(rel)
        if digest is not None:
            cache.new[digest] = found
            if names and rel in cache.new_files:
                cache.new_names[rel] = names
        if names:
            leaks.extend(Leak(path, line, kind, excerpt) for line, kind, excerpt in names)
        if found:
            leaks.extend(Leak(path, line, kind, excerpt) for line, kind, excerpt in found)
    if cache is not None:
        cache.save()
    return leaks


def check(root: str) -> int:
    """Print one line per leak and return how many there are."""
    leaks = scan_tree(root)
    for leak in leaks:
        print(leak)
    return len(leaks)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not os.path.isdir(args[0]):
        print("usage: python -m pipeline.leakgate DIR", file=sys.stderr)
        return 2
    count = check(args[0])
    print(f"{count} leak(s) found under {args[0]}", file=sys.stderr)
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main())
