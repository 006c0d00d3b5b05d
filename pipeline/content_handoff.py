"""Hand the pull's records to the render of the same process instead of re-reading content/.

`pipeline build` and the benchmark pull and render in one process: the export writes ~63k YAML
files (scale 10) from records it holds, and the render's ContentStore used to open, read and
parse every one of them again (~6 CPU s, plus the system time of 63k opens). Inside a
`session()` the export registers, per file it writes or finds unchanged, what yaml.safe_load of
the file's bytes returns, the sha256 of the bytes and the file's identity right after the write
(device, inode, size, mtime, ctime: what git's index and the render cache's manifest trust). The
store's take(path) pops the entry and returns it when os.stat still gives that identity — one
stat instead of open, read and parse — and None otherwise (a file edited after the pull, one
the pull did not write, a render in another process): the store then reads the file as before.

Exactness: the value handed over must be what parsing the file gives, types and key order
included. export.dump writes dicts, lists, str, int, bool and None and nothing else, in the
records' own order; _check_exact() registers nothing for a file that holds anything else (a str
subclass, an int key …) or one dict or list in two places (parsing gives each place its own):
that file is parsed.

Memory: what is registered is a pickle of the value, not the pull's record. Handing over the
live records cost ~240 MB at scale 10 and ~650 MB at scale 40 during the render (4.2 GB against a
4 GB budget): they were allocated among the pull's own garbage, so when that was freed the heap
stayed fragmented and malloc_trim could return little. A pickle is one block per file, freed at
take(); the store's unpickled copy (strings shared through content_yaml.share, as a parse does) is
allocated compactly during the render, as a parse's would be. Unpickling costs ~1/10 of parsing.
clear() (the end of the session) drops what nobody took.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import struct
from contextlib import contextmanager


class _State:
    def __init__(self, active: bool = False):
        self.active = active
        # absolute path -> (identity, sha256 of the bytes, pickle of the value)
        self.entries: dict[str, tuple[bytes, bytes, bytes]] = {}


_state = _State()


@contextmanager
def session():
    """Register what the export writes until the block ends (pull + render in one process);
    everything left is dropped at the end, also when the pull or the render fails."""
    global _state
    _state = _State(active=True)
    try:
        yield
    finally:
        clear()


def clear() -> None:
    """Forget every entry and stop registering (a new table: a store may still use the old)."""
    global _state
    _state = _State()


def active() -> bool:
    return _state.active


_IDENTITY = struct.Struct("<QQqqq")


def identity(st: os.stat_result) -> bytes:
    """Device, inode, size, mtime and ctime, packed (73 bytes an entry instead of ~240)."""
    return _IDENTITY.pack(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class Folder:
    """Registers the files of one content folder (export.write_folder)."""

    def __init__(self, root: str):
        self.root = os.path.abspath(root)

    def register(self, name: str, st: os.stat_result, data: bytes, value) -> None:
        """`name` (in this folder) now holds `data`, whose parse is `value`, and has the
        identity `st`. Nothing is registered when value holds what parsing cannot give."""
        path = os.path.join(self.root, name)
        try:
            _check_exact(value, set())
        except _NotExact:
            _state.entries.pop(path, None)
            return
        _state.entries[path] = (identity(st), hashlib.sha256(data).digest(),
                                pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def folder(root: str) -> Folder | None:
    """A registrar for the folder `root`, or None outside a session (nothing to do)."""
    return Folder(root) if _state.active else None


def take(path: str):
    """(value, sha256 digest) of the file at absolute `path` when the export registered it and
    it is unchanged since; None otherwise. The entry is removed either way."""
    entry = _state.entries.pop(path, None)
    if entry is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    if identity(st) != entry[0]:
        return None
    return pickle.loads(entry[2]), entry[1]


class _NotExact(TypeError):
    """A value parsing the file cannot give back as it is."""


def _check_exact(value, seen: set) -> None:
    """Raise _NotExact unless `value` is exactly what yaml.safe_load of export.dump(value) gives:
    dict (str keys), list, str, int, bool and None only, no container twice (parsing gives each
    place its own; pickle would keep the sharing)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return
    if kind is not list and kind is not dict:
        raise _NotExact(kind.__name__)
    if id(value) in seen:
        raise _NotExact("a container used twice")
    seen.add(id(value))
    if kind is list:
        for item in value:
            _check_exact(item, seen)
        return
    for key, item in value.items():
        if type(key) is not str:
            raise _NotExact(key)
        _check_exact(item, seen)
