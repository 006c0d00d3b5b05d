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
records' own order; _adopt() checks that every value is of exactly those types (dict keys
exactly str) and registers nothing for a file that holds anything else (a str subclass, an int
key …): that file is parsed. Parsing never yields two references to one dict or list, so files
whose values share one (two records holding the same sub-list) are parsed too.

Memory: the registered value is the pull's own record, not a copy. Its strings are replaced in
place by one shared object per distinct string (content_yaml.load's table, which the store
adopts), so after the pull the records cost what the store's parse would, and take() pops them:
nothing is held twice. The pull writes nothing into a record after exporting it; that is what
makes handing the object over safe. clear() (the end of the session) drops what nobody took.
"""

from __future__ import annotations

import hashlib
import os
import struct
from array import array
from contextlib import contextmanager


class _State:
    def __init__(self, active: bool = False):
        self.active = active
        # absolute path -> (identity, sha256 of the bytes, value)
        self.entries: dict[str, tuple[bytes, bytes, object]] = {}
        # one object per distinct key and string of every handed value; the store adopts it
        self.strings: dict[str, str] = {}
        # id() of every dict and list registered, and the index in `paths` of its file: a
        # container two files share (or one file twice) is found by sorting, at the first take
        # (the export is over). 12 bytes a container; a set of ints took ~70.
        self.ids = array("Q")
        self.owners = array("I")
        self.paths: list[str] = []


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


def strings() -> dict[str, str]:
    """The table a store shares its strings through: the handed values' while a session is
    open (their strings are its objects), a fresh one otherwise."""
    return _state.strings if _state.active else {}


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
        identity `st`. Nothing is registered when value holds a type parsing cannot give."""
        state = _state
        path = os.path.join(self.root, name)
        owner = len(state.paths)
        state.paths.append(path)
        ids = state.ids
        start = len(ids)
        try:
            handed = _adopt(value, state.strings, ids)
        except _NotExact:
            state.entries.pop(path, None)
            del ids[start:]
            return
        state.owners.extend([owner] * (len(ids) - start))
        state.entries[path] = (identity(st), hashlib.sha256(data).digest(), handed)


def folder(root: str) -> Folder | None:
    """A registrar for the folder `root`, or None outside a session (nothing to do)."""
    return Folder(root) if _state.active else None


def take(path: str):
    """(value, sha256 digest) of the file at absolute `path` when the export registered it and
    it is unchanged since; None otherwise. The entry is removed either way."""
    state = _state
    if state.paths:
        _drop_shared(state)
    entry = state.entries.pop(path, None)
    if entry is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    if identity(st) != entry[0]:
        return None
    return entry[2], entry[1]


def _drop_shared(state: _State) -> None:
    """Drop the entries of files whose values share a dict or list (with another file, or
    twice in one): parsing gives each place its own container, so those files are parsed."""
    import numpy

    ids = numpy.array(state.ids, dtype=numpy.uint64)
    order = numpy.argsort(ids, kind="stable")
    ordered = ids[order]
    same = numpy.flatnonzero(ordered[1:] == ordered[:-1])
    if len(same):
        owners = numpy.array(state.owners, dtype=numpy.int64)
        for owner in set(owners[order[same]].tolist()) | set(owners[order[same + 1]].tolist()):
            state.entries.pop(state.paths[owner], None)
    state.ids, state.owners, state.paths = array("Q"), array("I"), []


class _NotExact(TypeError):
    """A value parsing the file cannot give back as it is."""


def _adopt(value, table: dict, ids: array):
    """`value` with every str replaced by table's equal object, checked to be exactly what
    yaml.safe_load of export.dump(value) gives; the id of each dict and list goes to `ids`.
    Containers are changed in place (equal strings, same order); a dict whose keys are not all
    the table's objects is rebuilt."""
    kind = type(value)
    if kind is str:
        return table.setdefault(value, value)
    if value is None or kind is int or kind is bool:
        return value
    if kind is list:
        ids.append(id(value))
        for i, item in enumerate(value):
            new = _adopt(item, table, ids)
            if new is not item:
                value[i] = new
        return value
    if kind is dict:
        ids.append(id(value))
        rebuild = False
        for key, item in value.items():
            if type(key) is not str:
                raise _NotExact(key)
            if table.setdefault(key, key) is not key:
                rebuild = True
            new = _adopt(item, table, ids)
            if new is not item:
                value[key] = new  # an existing key: the dict's size and order do not change
        if rebuild:
            return {table[key]: item for key, item in value.items()}
        return value
    raise _NotExact(kind.__name__)
