"""The release folder that `publish` and `rollback` manage, and the file operations they need.

Layout under the target folder (the web server's document root is `<target>/current`):

    current -> releases/<build-id>     the live release: a relative symlink, swapped with os.replace
    releases/<build-id>/                one rendered, checked, precompressed site per build
    releases/<build-id>.content/        the content/ tree it was rendered from (next change summary)
    releases/<build-id>.report.html     staff report (outside the public site)
    releases/<build-id>.sha256          tree digest recorded at install (is_intact)
    releases/<build-id>.tmp/            a build in progress; left behind only by a killed run
    work/                               scratch space of the running publish (emptied every run)
    private/codes.csv                   query codes of the live release (never under current/)
    private/lookup-key-cache.json       derived lookup keys kept between builds (domain §9)
    history.txt                         build ids in the order they went live; rollback walks back
    .publish.lock                       flock: one publish or rollback at a time

Everything that changes what the public sees is a rename or an os.replace of a symlink, so a
process killed at any moment leaves either the old or the new release live, never a mix.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import os
import re
import shutil
import time
from contextlib import contextmanager

from tqdm import tqdm

LOCK_NAME = ".publish.lock"
HISTORY_NAME = "history.txt"
BUILD_ID = re.compile(r"^\d{8}-[0-9a-f]{12}$")
# Text formats nginx's gzip_static can serve precompressed (deploy/nginx.conf).
COMPRESSIBLE = (".html", ".css", ".js", ".json", ".xml", ".svg", ".txt", ".atom", ".map")


class LockBusy(Exception):
    """Another publish or rollback holds the lock on this target."""


@contextmanager
def locked(target: str, wait: float, poll: float = 0.2):
    """Hold an exclusive flock on <target>/.publish.lock, waiting up to `wait` seconds.

    flock (not a pid file) because the kernel drops it when the holder dies, even by kill -9, so a
    crashed run never blocks the next one.
    """
    os.makedirs(target, exist_ok=True)
    path = os.path.join(target, LOCK_NAME)
    fh = open(path, "a+", encoding="utf-8")
    try:
        deadline = time.monotonic() + max(wait, 0)
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "?"
                    raise LockBusy(
                        f"另一个发布或回滚正在进行（{path}，进程 {holder}），已等待 {wait:g} 秒；"
                        "请稍后再试，或用 --wait 加长等待时间") from None
                time.sleep(poll)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()  # closing the descriptor releases the flock


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: str, text: str) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _remove(path: str) -> None:
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


class ReleaseStore:
    def __init__(self, target: str):
        self.target = os.path.abspath(target)
        self.releases = os.path.join(self.target, "releases")
        self.work = os.path.join(self.target, "work")
        self.current_link = os.path.join(self.target, "current")
        self.history_file = os.path.join(self.target, HISTORY_NAME)
        os.makedirs(self.releases, exist_ok=True)

    # -- paths ---------------------------------------------------------------------------------
    def path(self, build_id: str) -> str:
        return os.path.join(self.releases, build_id)

    def tmp_path(self, build_id: str) -> str:
        return self.path(build_id) + ".tmp"

    def content_path(self, build_id: str) -> str:
        return self.path(build_id) + ".content"

    def report_path(self, build_id: str) -> str:
        return self.path(build_id) + ".report.html"

    def exists(self, build_id: str) -> bool:
        return os.path.isdir(self.path(build_id))

    # -- state ---------------------------------------------------------------------------------
    def current_id(self) -> str | None:
        if not os.path.islink(self.current_link):
            return None
        return os.path.basename(os.readlink(self.current_link).rstrip("/"))

    def history(self) -> list[str]:
        try:
            with open(self.history_file, encoding="utf-8") as fh:
                return [line.strip() for line in fh if BUILD_ID.match(line.strip())]
        except FileNotFoundError:
            return []

    def _save_history(self, ids: list[str]) -> None:
        _write_atomic(self.history_file, "".join(f"{i}\n" for i in ids))

    def clean_stale(self) -> list[str]:
        """Remove what a killed run left behind: *.tmp builds, the work folder, temp symlinks.

        Only called under the lock, so nothing here belongs to a running publish.
        """
        removed = []
        for folder in (self.releases, self.target):
            for name in sorted(os.listdir(folder)):
                if name.endswith(".tmp"):
                    _remove(os.path.join(folder, name))
                    removed.append(os.path.join(folder, name))
        if os.path.exists(self.work):
            shutil.rmtree(self.work)
            removed.append(self.work)
        return removed

    # -- changes -------------------------------------------------------------------------------
    def digest_path(self, build_id: str) -> str:
        return self.path(build_id) + ".sha256"

    def is_intact(self, build_id: str) -> bool:
        """The release exists and still has the tree digest recorded when it was installed."""
        try:
            with open(self.digest_path(build_id), encoding="utf-8") as fh:
                recorded = fh.read().strip()
        except FileNotFoundError:
            return False
        return self.exists(build_id) and tree_digest(self.path(build_id)) == recorded

    def install(self, build_id: str, tmp: str) -> None:
        """Move a finished tmp build into place and record its digest.

        A release of the same id that failed is_intact() (edited by hand, half-deleted) is
        replaced, unless it is live: then refuse rather than swap files under the web server.
        """
        final = self.path(build_id)
        if os.path.isdir(final):
            if build_id == self.current_id():
                raise RuntimeError(
                    f"当前线上版本 {final} 与其记录的校验值不符（被手工修改？）；"
                    "请先回滚到其他版本，删除它后重试")
            shutil.rmtree(final)
        digest = tree_digest(tmp)
        os.rename(tmp, final)
        _write_atomic(self.digest_path(build_id), digest + "\n")
        _fsync_dir(self.releases)

    def _link(self, build_id: str) -> None:
        tmp = os.path.join(self.target, f".current.{os.getpid()}.tmp")
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.path.join("releases", build_id), tmp)
        os.replace(tmp, self.current_link)  # atomic: readers see the old or the new target
        _fsync_dir(self.target)

    def switch(self, build_id: str) -> None:
        if not self.exists(build_id):
            raise FileNotFoundError(self.path(build_id))
        self._link(build_id)
        history = self.history()
        if not history or history[-1] != build_id:
            self._save_history(history + [build_id])

    def rollback(self) -> tuple[str | None, str]:
        """Point `current` at the release that was live before it; returns (from, to)."""
        current = self.current_id()
        history = self.history()
        while history and (history[-1] == current or not self.exists(history[-1])):
            history.pop()
        if not history:
            raise LookupError(f"{self.target} 没有可回滚的上一个发布版本")
        self._link(history[-1])
        self._save_history(history)
        return current, history[-1]

    def prune(self, keep: int) -> list[str]:
        """Delete all but the last `keep` releases that went live (the current one always stays)."""
        current = self.current_id()
        history = [i for i in self.history() if self.exists(i)]
        kept: list[str] = []
        for build_id in reversed(history):
            if build_id not in kept and len(kept) < keep:
                kept.append(build_id)
        if current:
            kept.append(current)
        removed = []
        for name in sorted(os.listdir(self.releases)):
            build_id = name.split(".", 1)[0]
            if BUILD_ID.match(build_id) and build_id not in kept:
                _remove(os.path.join(self.releases, name))
                removed.append(name)
        self._save_history([i for i in history if i in kept])
        return removed


def tree_digest(root: str) -> str:
    """sha256 over every file's relative path and bytes (and symlink targets), in sorted order."""
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            digest.update(rel.encode("utf-8") + b"\0")
            if os.path.islink(path):
                digest.update(b"L" + os.readlink(path).encode("utf-8"))
            else:
                with open(path, "rb") as fh:
                    digest.update(hashlib.file_digest(fh, "sha256").digest())
    return digest.hexdigest()


def precompress(root: str, progress: bool = False) -> int:
    """Write <file>.gz next to every text file, deterministically (no name, mtime 0, level 9)."""
    paths = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        paths.extend(os.path.join(folder, n) for n in sorted(files) if n.endswith(COMPRESSIBLE))
    for path in tqdm(paths, desc="预压缩", unit="文件", disable=not progress):
        with open(path, "rb") as src, open(path + ".gz", "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
                shutil.copyfileobj(src, gz)
    return len(paths)
