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
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pipeline.sanitize as sanitize
from pipeline.sanitize import find_personal_data

# Full-width digits and signs map one-to-one onto ASCII, so offsets in the text stay valid.
_FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＊＋－", "0123456789Xx*+-")
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


def _read_text(path: Path) -> str | None:
    """The file's text (a .gz file decompressed), or None for binaries and duplicates."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return None if _is_binary(data) else data.decode("utf-8", "replace")
        plain = path.with_suffix("")
        if plain.is_file() and plain.stat().st_size == len(data) and plain.read_bytes() == data:
            return None  # a gzip_static copy of a file scanned on its own
    if _is_binary(data):
        return None
    return data.decode("utf-8", "replace")


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


class VerdictCache:
    """{sha256 of a file's bytes: [(line, kind, excerpt), ...]} kept between builds (a private
    file, e.g. next to the render cache), so a rebuild only scans files whose bytes changed."""

    def __init__(self, path: str | None):
        self.path, self.version, self.old, self.new = path, _detector_version(), {}, {}
        if path and os.path.exists(path):
            try:
                with open(path, encoding="utf-8") as fh:
                    data = json.load(fh)
                self.old = data["verdicts"] if data.get("version") == self.version else {}
            except (OSError, ValueError, KeyError):
                self.old = {}

    def text_leaks(self, path: Path) -> list[Leak]:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        found = self.old.get(digest)
        if found is None:
            text = _read_text(path)
            found = [[leak.line, leak.kind, leak.excerpt] for leak in scan_text(text)] if text else []
        self.new[digest] = found
        return [Leak(str(path), line, kind, excerpt) for line, kind, excerpt in found]

    def save(self) -> None:
        if self.path:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            with open(self.path + ".tmp", "w", encoding="utf-8") as fh:
                json.dump({"version": self.version, "verdicts": self.new}, fh)
            os.replace(self.path + ".tmp", self.path)


def scan_tree(root: str, cache_path: str | None = None) -> list[Leak]:
    """Every leak in every text file under root (sorted by path, then line). `cache_path`: a
    private verdict cache (VerdictCache) so unchanged files are not scanned again."""
    cache = VerdictCache(cache_path) if cache_path else None
    leaks: list[Leak] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not path.is_file():
                continue
            # A number in a file or folder name ends up in every URL pointing there (line 0).
            leaks.extend(Leak(str(path), 0, leak.kind, leak.excerpt)
                         for leak in scan_text(os.path.relpath(path, root).replace(os.sep, "/")))
            if cache is not None and path.suffix != ".gz":  # a .gz verdict depends on its sibling
                leaks.extend(cache.text_leaks(path))
                continue
            text = _read_text(path)
            if text:
                leaks.extend(scan_text(text, str(path)))
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
