"""Private cache of the pull's intermediate results, so a pull after a small change redoes little.

The pull is a chain of deterministic steps: read one export file -> validate one table (its files
plus the tables it references) -> build one family's records (publication rules, masking, the
free-text scrub) -> write one content/ folder. Each step's result is stored here under a key that
digests everything it depends on: the keys of the steps it reads (so a changed export changes
the key of every step downstream of it, and only those), the date the rules are applied for where
a step uses it, and a base digest of the code and its data — every file under pipeline/ (code,
publication rules, reference procedures), the installed versions of the libraries that parse or
scrub, the scrubber's own version (jieba dictionary) and the law texts. Any change there and every
key misses: a cached result is only ever the result the same code would compute from the same
inputs. Only the last pull's result per step is kept, so the folder never grows.

A stored unit is a pickle file holding (key, meta, data): `meta` is small (counts, report lines,
links to other tables), `data` the records, read only when a later step misses and needs them.
The export manifest remembers, per content/ folder, the key of the records written there and each
file's (size, mtime, inode) right after: a folder whose key did not change and whose files are
exactly as written is skipped; anything else (a file edited, added or removed by hand, another
content folder) makes the pull write that folder the ordinary way, which restores it.

Records hold unmasked fields before the rules step (names, notes): the folder is created owner-
only (0700), every file 0600, and it is refused under content/ or output/ (like scrub_cache).
Pickles are only read from such a private folder the build itself wrote.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pickle
import sys
import tempfile

from pipeline.errors import PipelineError

FORMAT = b"gongshi-pull-cache-1"
_PIPELINE_DIR = os.path.dirname(os.path.abspath(__file__))
# Libraries whose behaviour shapes what a step computes (readers, parsers, checks, scrub).
_PACKAGES = ("pandas", "python-calamine", "openpyxl", "xlrd", "python-stdnum", "jieba", "PyYAML",
             "python-dateutil", "chinesecalendar", "SQLAlchemy")
MANIFEST = "export-manifest.pickle"


def _update_file(digest, path: str) -> None:
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)


def _tree_digest(digest, folder: str, suffixes: tuple[str, ...]) -> None:
    """Every matching file under folder, by relative path and bytes (sorted: stable order)."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        found.extend(os.path.join(root, f) for f in files if f.endswith(suffixes))
    for path in sorted(found):
        digest.update(b"\x1e" + os.path.relpath(path, folder).encode("utf-8") + b"\x1f")
        _update_file(digest, path)


def code_digest() -> str:
    """Digest of everything every step's result depends on besides its inputs."""
    from pipeline.scrub_cache import scrubber_version

    digest = hashlib.sha256(FORMAT + b"\x1f" + sys.version.encode())
    _tree_digest(digest, _PIPELINE_DIR, (".py", ".yaml", ".yml", ".json", ".txt", ".csv"))
    for package in _PACKAGES:
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"\x1f{package}={version}".encode())
    digest.update(scrubber_version().encode())
    return digest.hexdigest()


def laws_digest() -> str:
    """The law texts the citations are resolved against (GONGSHI_LAWS_DIR or the default)."""
    from pipeline.laws import default_folder

    folder = os.path.realpath(default_folder())
    digest = hashlib.sha256(folder.encode("utf-8"))
    if os.path.isdir(folder):
        _tree_digest(digest, folder, (".md",))
    else:
        digest.update(b"\x1fmissing")
    return digest.hexdigest()


def key_of(*parts) -> str:
    """A key from plain values (str, int, None, date, tuples/lists/dicts of them): their repr is
    stable for these types, and dicts are sorted first."""
    return hashlib.sha256(repr(_plain(parts)).encode("utf-8")).hexdigest()


def _plain(value):
    if isinstance(value, dict):
        return tuple(sorted((str(k), _plain(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return value


class Unit:
    """A stored step result: `meta` at once, `data` read when first asked for — from the file
    as it was opened (kept open: a pull replacing it meanwhile cannot swap the data under a
    checked key)."""

    def __init__(self, fh, meta):
        self.meta, self._fh, self._loaded, self._data = meta, fh, False, None

    @property
    def data(self):
        if not self._loaded:
            with self._fh:
                self._data = pickle.load(self._fh)
            self._loaded = True
        return self._data

    def close(self) -> None:
        self._fh.close()


class Fresh:
    """A step result computed in this pull (same interface as Unit)."""

    def __init__(self, meta, data):
        self.meta, self.data = meta, data


class PullCache:
    """One pickle file per step name under a private folder; `folder=None`: never hits or stores
    (the uncached pull runs the very same code)."""

    def __init__(self, folder: str | None):
        self.folder = folder
        self.hits: list[str] = []
        self.misses: list[str] = []
        self.units: list[Unit] = []
        self.base = ""
        self.laws = ""
        if folder:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            if os.stat(folder).st_uid != os.getuid():  # its pickles are trusted: ours alone
                raise PipelineError(f"{folder}: 导入缓存目录不属于当前用户，拒绝使用")
            os.chmod(folder, 0o700)
            self.base = code_digest()

    @property
    def enabled(self) -> bool:
        return bool(self.folder)

    def key(self, *parts) -> str:
        return key_of(self.base, *parts) if self.folder else ""

    def laws_key(self) -> str:
        if self.folder and not self.laws:
            self.laws = laws_digest()
        return self.laws

    def _path(self, name: str) -> str:
        return os.path.join(self.folder, name + ".pickle")

    def get(self, name: str, key: str) -> Unit | None:
        if not self.folder:
            return None
        try:
            fh = open(self._path(name), "rb")
        except FileNotFoundError:
            self.misses.append(name)
            return None
        try:
            if pickle.load(fh) != key:
                raise KeyError(name)
            unit = Unit(fh, pickle.load(fh))
        except Exception:  # another key, a damaged or older file: only a slower pull
            fh.close()
            self.misses.append(name)
            return None
        self.hits.append(name)
        self.units.append(unit)
        return unit

    def close(self) -> None:
        for unit in self.units:
            unit.close()
        self.units = []

    def put(self, name: str, key: str, meta, data) -> Fresh:
        """Store now (pickled before any later step can change the objects) and return them."""
        if self.folder:
            self._write(self._path(name), (key, meta, data))
        return Fresh(meta, data)

    def _write(self, path: str, items: tuple) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".unit-")  # 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                for item in items:
                    pickle.dump(item, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    # --- export manifest ---------------------------------------------------------------------

    def manifest(self, content_dir: str) -> dict:
        """{folder: (records key, {file name: (size, mtime_ns, inode)})} of the last export into
        this content folder ({} for another folder or none)."""
        if not self.folder:
            return {}
        try:
            with open(os.path.join(self.folder, MANIFEST), "rb") as fh:
                saved = pickle.load(fh)
            if saved.get("content") == os.path.realpath(content_dir):
                return dict(saved["folders"])
        except Exception:
            pass
        return {}

    def save_manifest(self, content_dir: str, folders: dict | None) -> None:
        """`None` forgets the manifest (before folders are written: a pull killed half-way then
        leaves no folder trusted)."""
        if not self.folder:
            return
        path = os.path.join(self.folder, MANIFEST)
        if folders is None:
            if os.path.exists(path):
                os.remove(path)
            return
        self._write(path, ({"content": os.path.realpath(content_dir), "folders": folders},))


def folder_stamps(root: str) -> dict[str, tuple[int, int, int]]:
    """(size, mtime_ns, inode) of every *.yaml in a content folder."""
    stamps = {}
    try:
        entries = list(os.scandir(root))
    except FileNotFoundError:
        return {}
    for entry in entries:
        if entry.name.endswith(".yaml"):
            st = entry.stat(follow_symlinks=False)
            stamps[entry.name] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return stamps


def check_location(folder: str | None, *public_dirs: str | None) -> None:
    """Refuse a cache folder inside a published tree (content/ or output/)."""
    if not folder:
        return
    target = os.path.abspath(folder)
    for public in public_dirs:
        if not public:
            continue
        if (target + os.sep).startswith(os.path.abspath(public) + os.sep):
            raise PipelineError(f"{folder}: 导入缓存目录不能放在 {public} 下（须为私有目录）")


def default_path(codes_path: str | None) -> str | None:
    """Where `pipeline build` keeps it: next to the query codes (private/pull-cache/)."""
    if not codes_path:
        return None
    return os.path.join(os.path.dirname(os.path.abspath(codes_path)), "pull-cache")
