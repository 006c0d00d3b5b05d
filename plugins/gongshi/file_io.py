"""Creating one output file with the fewest system calls (pages, open data, render cache).

open(path, "wb") makes openat, fstat, ioctl and lseek calls before the write, and the usual
os.makedirs(folder, exist_ok=True) before it is a mkdir call even when the folder exists — most
of the 60,000 files of a build go into a folder that already holds others. create_file() opens
straight away and makes the folder only when the open says it is missing (ENOENT): no record of
folders to go stale, so a folder deleted during the build (the render cache drops stale files and
their emptied folders) is simply made again. No Pelican import: render_cache.OutputFiles uses it,
in the search index's process too.
"""

from __future__ import annotations

import os

# what open(path, "w") and open(path, "wb") ask for: the file is created or truncated, mode 0o666
# less the umask
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC


def create_file(target: str, data: bytes, stat: bool = False) -> os.stat_result | None:
    """Write `data` to the file `target` (created or truncated), making its folder if it is
    missing; with stat=True, return the file's stat as the write left it (fstat before close:
    closing changes neither its size nor its times)."""
    try:
        fd = os.open(target, _FLAGS, 0o666)
    except FileNotFoundError:
        folder = os.path.dirname(target)
        try:  # mostly a page's own new folder in an existing one: one mkdir, no stat
            os.mkdir(folder)
        except FileNotFoundError:  # its parent is missing too
            os.makedirs(folder, exist_ok=True)
        except FileExistsError:  # made meanwhile, or not a folder: the open below says
            pass
        fd = os.open(target, _FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:  # os.write may write less than asked (a signal, a huge buffer)
            view = view[os.write(fd, view):]
        return os.fstat(fd) if stat else None
    finally:
        os.close(fd)
