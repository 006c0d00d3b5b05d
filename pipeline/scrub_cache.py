"""Private cache of free-text scrub results between pulls (sanitize.scrub_text is the slow part).

An export changes a few records a day, but every pull used to scrub every distinct text again
(jieba tokenisation, ~0.3 ms a text, plus ~1 s to load jieba at all). This file keeps
{digest of (text, keep-list): scrubbed text} from the last pull, so the next one scrubs only new
texts — and loads jieba only when there is one.

A cached result is reused only by the same scrubber: the version digest covers sanitize.py (the
detectors, word lists and rules are all in it), this file, and the installed jieba (version and
dictionary) and python-stdnum (credit-code check) — any change there and the whole cache misses.
The file holds published-form text only, but its keys derive from raw text: it is written owner-
only (0600) and must live with the other private files (next to the query codes, never under
content/ or output/). Only the entries used by the last pull are kept, so it never grows stale.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os

_HERE = os.path.abspath(__file__)


def _file_digest(digest, path: str | None) -> None:
    if path and os.path.isfile(path):
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)


def scrubber_version() -> str:
    """Digest of everything scrub_text's output depends on besides its arguments."""
    import pipeline.sanitize as sanitize

    digest = hashlib.sha256(b"gongshi-scrub-cache-1\x1f")
    for path in (sanitize.__file__, _HERE):
        _file_digest(digest, path)
    for package in ("jieba", "python-stdnum"):
        try:
            digest.update(f"\x1f{package}={importlib.metadata.version(package)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"\x1f{package}=?".encode())
    spec = importlib.util.find_spec("jieba")  # its dictionary, without importing it (~0.3 s)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        _file_digest(digest, os.path.join(folder, "dict.txt"))
    return digest.hexdigest()


def pair_key(text: str, keep: tuple[str, ...], officers: tuple[str, ...] = ()) -> str:
    """Key of one scrub job (records.Pending.job); a job without officers keeps its old key."""
    job = [text, list(keep)] + ([list(officers)] if officers else [])
    return hashlib.sha256(json.dumps(job, ensure_ascii=False).encode("utf-8")).hexdigest()


class ScrubCache:
    """{pair_key: scrubbed text}; `get` misses (None) for anything not scrubbed by this scrubber."""

    def __init__(self, path: str | None):
        self.path, self.version, self.old, self.new = path, scrubber_version(), {}, {}
        self.hits = 0
        if path and os.path.exists(path):
            try:
                with open(path, encoding="utf-8") as fh:
                    data = json.load(fh)
                if data.get("version") == self.version and isinstance(data.get("results"), dict):
                    self.old = data["results"]
            except (OSError, ValueError, AttributeError):
                self.old = {}

    def get(self, key: str) -> str | None:
        found = self.old.get(key)
        if isinstance(found, str):
            self.new[key] = found
            self.hits += 1
            return found
        return None

    def keep(self, keys) -> None:
        """Keep these entries of the last pull although nothing asked for them: the pull cache
        reused the records of a step whose texts they are, and will need them when its inputs
        change (they are that step's texts, so the file still only holds current texts)."""
        for key in keys:
            found = self.old.get(key)
            if isinstance(found, str):
                self.new[key] = found

    def put(self, key: str, scrubbed: str | None) -> None:
        if isinstance(scrubbed, str):
            self.new[key] = scrubbed

    def save(self) -> None:
        if not self.path:
            return
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), mode=0o700, exist_ok=True)
        tmp = self.path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"version": self.version, "results": self.new}, fh, ensure_ascii=False,
                      sort_keys=True)
        os.chmod(tmp, 0o600)  # O_CREAT's mode only applies to a new file
        os.replace(tmp, self.path)


def default_path(codes_path: str | None) -> str | None:
    """Where `pipeline build` keeps the cache: next to the query codes (private/), like the
    lookup's key cache."""
    if not codes_path:
        return None
    return os.path.join(os.path.dirname(os.path.abspath(codes_path)), "scrub-cache.json")


def check_location(path: str | None, *public_dirs: str | None) -> None:
    """Refuse a cache inside a published tree (content/ or output/)."""
    if not path:
        return
    from pipeline.errors import PipelineError

    target = os.path.abspath(path)
    for folder in public_dirs:
        if folder and (target + os.sep).startswith(os.path.abspath(folder) + os.sep):
            raise PipelineError(f"{path}: 脱敏缓存文件不能放在 {folder} 下（须为私有目录）")
