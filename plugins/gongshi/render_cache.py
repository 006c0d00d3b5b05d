"""Incremental rendering: reuse a page from the previous build when nothing it reads changed.

Enabled by the GONGSHI_RENDER_CACHE setting (a private folder, never under the output; unset = no
cache, every page rendered). Pelican empties the output folder before the families run
(DELETE_OUTPUT_DIRECTORY); with the cache on, the last build's output is first moved (renamed, so
it should be on the same filesystem as the cache) to <cache>/previous-output, out of Pelican's
reach, and moved back as the output folder before the first family runs — after every file in it
that is not exactly as the last build left it (per the manifest) has been deleted. From then on
the output folder holds only files the cache can vouch for: a reused page stays where it is (no
link, copy or mkdir), a page to render again is deleted first (so a hard link to it elsewhere is
never written through), and at the end every kept file this build did not produce — an expired
record's page — is deleted. The result is the output of a clean build.

A page's key is sha256 of
  - the build stamp: every template's source and the plugin's Python source (a code or theme
    change re-renders everything);
  - the page's output path and every variable passed to FamilyGenerator.write(), serialised
    stably (a value we cannot serialise makes the page uncacheable: it is always rendered);
  - the values of every context/global name the page's template chain reads — for names only
    used as `name.attr` (e.g. `site_meta.demo`) just those attributes, so the per-build counts in
    site.yaml or the build id do not invalidate pages that never show them.
Keys are kept in <cache>/render-manifest.json with the size, mtime, inode and ctime each file had
when the build finished (a file changed in the output since — even rewritten with the same size
and its mtime set back, which still moves the ctime — is deleted and rendered again), and the
last build's counts of reused, rendered and uncacheable pages. No second copy of the pages is
kept: the output folder is the cache.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import pickle
import shutil
import tempfile
import types
from collections import defaultdict

from jinja2 import meta, nodes

from .file_io import create_file

log = logging.getLogger(__name__)

SETTING = "GONGSHI_RENDER_CACHE"
MANIFEST = "render-manifest.json"
MANIFEST_FORMAT = 3  # 3: pages are [key, size, mtime_ns, inode, ctime_ns]; output kept in place
PREVIOUS = "previous-output"
PLUGIN_DIR = os.path.dirname(os.path.abspath(__file__))
#: live caches of this process, saved when Pelican finishes (signals.finalized)
ACTIVE: list["PageCache"] = []
#: other savers of this build (ParsedYaml), run by save_all
AFTER_BUILD: list = []



def render_cache_file(settings: dict, name: str) -> str | None:
    """Path of a private cache file `name`, or None when the render cache is off."""
    folder = settings.get(SETTING)
    return os.path.join(folder, name) if folder else None


class Uncacheable(TypeError):
    pass


def _default(value):
    """JSON form of the non-JSON values pages receive; anything else is Uncacheable."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # shallow: the encoder recurses into the fields itself (dataclasses.asdict deep-copies
        # every nested value first, the largest cost of keying the statistics pages)
        return [type(value).__name__, {name: _keyed(getattr(value, name)) for name in _field_names(type(value))}]
    if isinstance(value, types.FunctionType) and not value.__closure__:
        # module-level helpers such as urls.url_for (pure); a closure's result depends on the
        # values it captured, so a page given one is Uncacheable (rendered every time)
        return f"fn:{value.__module__}.{value.__qualname__}"
    if isinstance(value, types.BuiltinMethodType) and isinstance(value.__self__, (set, frozenset)):
        return ["in", sorted(value.__self__)]  # e.g. has_family = FAMILIES.__contains__
    fingerprint = getattr(value, "cache_fingerprint", None)
    if callable(fingerprint):
        return [type(value).__name__, fingerprint()]
    raise Uncacheable(f"cannot fingerprint a {type(value).__name__}")


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls) -> tuple[str, ...]:
    if cls not in _FIELDS:
        _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return _FIELDS[cls]


def _keyed(value):
    """A dict with non-string keys (e.g. Metric.details, keyed by (kind, id)) as sorted pairs,
    which JSON can hold; anything else as it is."""
    if isinstance(value, dict) and not all(type(k) is str for k in value):
        return ["dict", [[_plain(k), value[k]] for k in sorted(value, key=repr)]]
    return value


def _dumps(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_default,
                      separators=(",", ":"))


def _plain(value):
    """Dicts (some with tuple keys) as sorted [key, value] pairs, recursively, dataclasses too."""
    if isinstance(value, dict):
        # keys are strings, numbers or tuples of them: repr orders them stably and cheaply
        return ["dict", [[_plain(k), _plain(value[k])] for k in sorted(value, key=repr)]]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, _plain(dataclasses.asdict(value))]
    return value


def stable_json(value) -> str:
    try:  # the C encoder first: most page variables are plain JSON
        return _dumps(value)
    except Uncacheable:
        raise
    except TypeError:  # non-string dict keys
        return _dumps(_plain(value))


def _sources_digest(folders: list[str], suffixes: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(suffixes):
                    path = os.path.join(dirpath, name)
                    digest.update(os.path.relpath(path, folder).encode() + b"\0")
                    with open(path, "rb") as fh:
                        digest.update(hashlib.sha256(fh.read()).digest())
    return digest.hexdigest()


class TemplateReads:
    """Names a template chain (extends/include/import, recursively) reads from its context."""

    def __init__(self, env):
        self.env = env
        self._cache: dict[str, tuple[dict[str, set[str] | None], bool]] = {}

    def _own(self, name: str):
        source = self.env.loader.get_source(self.env, name)[0]
        ast = self.env.parse(source)
        reads: dict[str, set[str] | None] = {}
        attr_uses: dict[str, set[str]] = defaultdict(set)
        attr_count: dict[str, int] = defaultdict(int)
        for node in ast.find_all(nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.ctx == "load":
                attr_uses[node.node.name].add(node.attr)
                attr_count[node.node.name] += 1
        name_count: dict[str, int] = defaultdict(int)
        for node in ast.find_all(nodes.Name):
            if node.ctx == "load":
                name_count[node.name] += 1
        # every name loaded, not meta.find_undeclared_variables(): that one leaves out the env's
        # globals (build_id, site_meta …), which pages depend on just as much
        for var in name_count:
            # only `var.attr` uses: the page depends on those attributes alone
            reads[var] = attr_uses[var] if attr_count[var] == name_count[var] else None
        children = list(meta.find_referenced_templates(ast))
        return reads, children

    def reads(self, name: str) -> dict[str, set[str] | None]:
        """{name: attributes read, or None for the whole value} over the template chain."""
        merged: dict[str, set[str] | None] = {}
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if current not in self._cache:
                self._cache[current] = self._own(current)
            reads, children = self._cache[current]
            if any(child is None for child in children):  # dynamic include: cannot tell
                raise Uncacheable(f"{current} includes a template chosen at run time")
            todo.extend(children)
            for var, attrs in reads.items():
                if var in merged and (merged[var] is None or attrs is None):
                    merged[var] = None
                else:
                    merged[var] = (merged.get(var) or set()) | attrs if attrs is not None else None
        return merged


def _stat_entry(st) -> list[int]:
    """What identifies a file's current bytes without reading them (as git's index does): a
    rewrite changes the mtime or at least the ctime (which no user call can set back), a replaced
    file changes the inode."""
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


class OutputFiles:
    """Which files of the output this build wrote or kept: reuse(…) before making a file, store(…)
    after, write_bytes for data files. PageCache is this plus page keys; share(prefix) hands a
    detached, picklable part of it to a child process (the search index), adopt() takes it back."""

    def __init__(self, output_path: str, old: dict[str, list]):
        self.output_path = output_path
        self.old = old
        # path -> [key, size, mtime_ns, inode, ctime_ns] of the file as this build left it
        self.new: dict[str, list] = {}
        # files of the last build still in the output (exactly as it left them) that this build
        # has neither reused nor replaced yet; what is left of them at the end is deleted
        self.kept: set[str] = set()
        self.reused = self.rendered = 0
        self.files_reused = self.files_written = 0  # data files (write_bytes), not pages

    def write_bytes(self, path: str, data: bytes) -> None:
        """Write a data file (CSV, JSON) at `path`, or keep last build's identical copy: keyed by
        the bytes' digest, so only the file creation is saved, never a stale byte reused."""
        key = "bytes:" + hashlib.sha256(data).hexdigest()
        if self.reuse(path, key, page=False):
            return
        # the folder is made only if missing (file_io.create_file: no mkdir per file)
        st = create_file(os.path.join(self.output_path, path), data, stat=True)
        self.store(path, key, page=False, st=st)

    def reuse(self, path: str, key: str, page: bool = True) -> bool:
        """Keep last build's file at `path` when its key is unchanged. `kept` only holds files
        found exactly as that build left them (size, mtime, inode, ctime) when the output was
        restored, moments ago, so they are not looked at again. Otherwise the file is deleted,
        so the new one is a new file (see discard)."""
        if path not in self.kept:
            if path in self.new:  # written twice in one build: the last write wins
                del self.new[path]
                _unlink(os.path.join(self.output_path, path))
            return False
        entry = self.old[path]
        if entry[0] != key:
            self.discard(path)
            return False
        self.kept.discard(path)
        self.new[path] = entry
        if page:
            self.reused += 1
        else:
            self.files_reused += 1
        return True

    def discard(self, path: str) -> None:
        """Delete last build's file at `path` before a new one is written there: writing into
        it would change every hard link to it (a backup or release made with cp -l)."""
        if path in self.kept:
            self.kept.discard(path)
            _unlink(os.path.join(self.output_path, path))

    def store(self, path: str, key: str, page: bool = True, st: os.stat_result | None = None) -> None:
        """Remember a freshly rendered page; the output folder itself is next build's cache.
        `st`: the file's stat as its writer left it, if it has it (else stat'ed here)."""
        if st is None:
            st = os.stat(os.path.join(self.output_path, path))
        self.new[path] = [key, *_stat_entry(st)]
        if page:
            self.rendered += 1
        else:
            self.files_written += 1

    def share(self, prefix: str) -> "OutputFiles":
        """The files under `prefix` as a detached OutputFiles for a child process that makes
        them (nothing else writes there meanwhile); its hand_over() comes back to adopt()."""
        part = OutputFiles(self.output_path,
                           {p: e for p, e in self.old.items() if p.startswith(prefix)})
        part.kept = {p for p in self.kept if p.startswith(prefix)}
        part.new = {p: e for p, e in self.new.items() if p.startswith(prefix)}
        return part

    def hand_over(self, prefix: str) -> dict[str, list]:
        """In a child that wrote files under `prefix` through its share(): their manifest
        entries, for the parent's adopt()."""
        return {path: entry for path, entry in self.new.items() if path.startswith(prefix)}

    def adopt(self, entries: dict[str, list]) -> None:
        """Take over files a child wrote or kept through its share() of this cache."""
        for path, entry in entries.items():
            if self.new.get(path) is entry:  # no fork here: the job ran in this process
                continue
            self.kept.discard(path)
            self.new[path] = entry
            if self.old.get(path) == entry:
                self.files_reused += 1
            else:
                self.files_written += 1

class PageCache(OutputFiles):
    """One build's decisions: reuse(…) before rendering a page, store(…) after."""

    def __init__(self, folder: str, env, output_path: str):
        self.folder = folder
        # last build's output, moved here before Pelican empties the output folder and moved
        # back (pruned) before the first family runs: see restore_previous_output
        self.previous = os.path.join(folder, PREVIOUS)
        self.env = env
        self.reads = TemplateReads(env)
        self.stamp = hashlib.sha256(stable_json([
            _sources_digest(list(env.loader.searchpath) if hasattr(env.loader, "searchpath")
                            else [], (".html", ".xml", ".txt", ".j2")),
            _sources_digest([PLUGIN_DIR], (".py",)),
        ]).encode()).hexdigest()
        super().__init__(output_path, self._load())
        self.restored = False
        self._context_parts: dict[str, str] = {}
        self.uncacheable = 0

    @classmethod
    def for_generator(cls, generator) -> "PageCache | None":
        folder = generator.settings.get(SETTING)
        if not folder:
            return None
        for cache in ACTIVE:  # one per build, shared by every family
            if cache.output_path == generator.output_path:
                return cache
        # the cache holds parsed content, lookup entries and search texts: never published
        from pipeline.scrub_cache import check_location
        check_location(folder, generator.output_path, getattr(generator, "path", None))
        cache = cls(folder, generator.env, generator.output_path)
        cache.keep_previous_output()
        ACTIVE.append(cache)
        return cache

    def keep_previous_output(self) -> None:
        """Move last build's output folder into the cache before Pelican empties it (called
        when the first family is created, before Pelican's clean_output_dir). A rename: no page
        is copied. After a build that did not get this far, the previous folder is still there
        and the output folder is whatever that build left: keep the previous one (Pelican empties
        the other)."""
        if os.path.isdir(self.previous) or not os.path.isdir(self.output_path):
            return
        if os.path.islink(self.output_path):  # moving the link would replace it by a folder
            log.warning("render cache: the output folder is a symlink; rendering every page")
            return
        try:
            os.makedirs(self.folder, exist_ok=True)
            os.rename(self.output_path, self.previous)
        except OSError as exc:  # e.g. cache and output on different filesystems
            log.warning("render cache: cannot keep the previous output (%s); rendering every page", exc)

    def restore_previous_output(self) -> None:
        """Make last build's output the output folder again, holding only the files the manifest
        vouches for. Called before the first family's generate_context, i.e. after Pelican
        emptied the output folder and before anything is written. Idempotent."""
        if self.restored:
            return
        self.restored = True
        if not os.path.isdir(self.previous):
            return
        try:
            if os.path.islink(self.output_path):
                raise OSError("the output folder is a symlink")
            if os.path.isdir(self.output_path):
                os.rmdir(self.output_path)  # emptied by Pelican (fails if anything is in it)
            os.rename(self.previous, self.output_path)
        except OSError as exc:
            log.warning("render cache: cannot reuse the previous output (%s); rendering every "
                        "page", exc)
            shutil.rmtree(self.previous, ignore_errors=True)
            return
        self.kept = prune_tree(self.output_path, self.old)

    def _load(self) -> dict[str, list]:
        try:
            with open(os.path.join(self.folder, MANIFEST), encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return {}
        if data.get("stamp") != self.stamp or data.get("format") != MANIFEST_FORMAT:
            return {}
        return data.get("pages", {})

    def _context_part(self, template_name: str, env, context: dict, variables: dict) -> str:
        """Digest of what the template chain reads from the context and globals (not from the
        page variables), computed once per template per build: context values are complete once
        every family's generate_context() has run."""
        memo = f"{id(env)}:{template_name}"  # each family has its own env (and maybe globals)
        if memo not in self._context_parts:
            picked = {}
            for var, attrs in sorted(self.reads.reads(template_name).items()):
                if var in variables:
                    continue
                if var in context:
                    value = context[var]
                elif var in env.globals:
                    value = env.globals[var]
                else:
                    continue
                if attrs is not None and isinstance(value, dict):
                    value = {a: value.get(a) for a in sorted(attrs)}
                picked[var] = value
            self._context_parts[memo] = hashlib.sha256(stable_json(picked).encode()).hexdigest()
        return self._context_parts[memo]

    def key(self, path: str, template_name: str, env, context: dict,
            variables: dict) -> str | None:
        try:
            digest = hashlib.sha256(self.stamp.encode())
            digest.update(path.encode() + b"\0" + template_name.encode() + b"\0")
            digest.update(self._context_part(template_name, env, context, variables).encode())
            digest.update(stable_json(variables).encode())
            return digest.hexdigest()
        except Uncacheable as exc:
            log.debug("render cache: %s not cached (%s)", path, exc)
            self.uncacheable += 1
            return None

    def stats(self) -> dict[str, int]:
        return {"reused": self.reused, "rendered": self.rendered, "uncacheable": self.uncacheable,
                "files_reused": self.files_reused, "files_written": self.files_written}

    def save(self) -> None:
        """Write the manifest, then delete the files of the last build this one did not produce."""
        os.makedirs(self.folder, exist_ok=True)
        tmp = os.path.join(self.folder, MANIFEST + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            # dumps without indent: json.dump, or any indent, goes through the pure-Python encoder
            # (~1.5 s for the 60k entries at scale 10)
            fh.write(json.dumps({"stamp": self.stamp, "format": MANIFEST_FORMAT,
                                 "stats": self.stats(), "pages": dict(sorted(self.new.items()))},
                                separators=(",", ":")))
        os.replace(tmp, os.path.join(self.folder, MANIFEST))
        self.drop_stale()
        for folder in (self.previous, os.path.join(self.folder, "pages")):  # pages/: old format
            shutil.rmtree(folder, ignore_errors=True)
        log.info("render cache: %d pages reused, %d rendered, %d uncacheable",
                 self.reused, self.rendered, self.uncacheable)

    def drop_stale(self) -> None:
        """Delete the files of the last build this one has not produced (so far): what Pelican's
        clean would have deleted at the start, unless something rewrote them in this build. Run
        at the end, and before a family that lists the output folder (sitemap); a file dropped
        early is only rendered instead of reused if it comes after all."""
        folders = set()
        for path in sorted(self.kept):
            target = os.path.join(self.output_path, path)
            try:
                if _stat_entry(os.stat(target)) == self.old[path][1:]:
                    os.unlink(target)
                    folders.add(os.path.dirname(target))
            except OSError:
                pass
        self.kept = set()
        _remove_empty_folders(folders, self.output_path)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def prune_tree(root: str, manifest: dict[str, list]) -> set[str]:
    """Delete every file under `root` that is not in `manifest` exactly as listed (size, mtime,
    inode, ctime) and every folder left empty; the relative paths of the files kept."""
    kept: set[str] = set()
    empty: set[str] = set()

    def walk(folder: str, prefix: str) -> bool:  # True when the folder is left empty
        left = False
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if walk(entry.path, rel + "/"):
                        empty.add(entry.path)
                    else:
                        left = True
                    continue
                listed = manifest.get(rel)
                if listed is not None and entry.is_file(follow_symlinks=False) \
                        and _stat_entry(entry.stat(follow_symlinks=False)) == listed[1:]:
                    kept.add(rel)
                    left = True
                else:
                    os.unlink(entry.path)
        return not left

    walk(root, "")
    for folder in sorted(empty, key=len, reverse=True):  # children first
        os.rmdir(folder)
    return kept


def _remove_empty_folders(folders: set[str], root: str) -> None:
    """rmdir each folder that is now empty and its parents up to `root` (kept)."""
    root = os.path.abspath(root)
    for folder in sorted(folders, key=len, reverse=True):
        folder = os.path.abspath(folder)
        while folder != root and folder.startswith(root + os.sep):
            try:
                os.rmdir(folder)
            except OSError:  # not empty (or gone)
                break
            folder = os.path.dirname(folder)


def reset(pelican_obj=None) -> None:
    """signals.initialized: forget caches of a build that failed before finishing."""
    ACTIVE.clear()
    AFTER_BUILD.clear()


def save_all(pelican_obj=None) -> None:
    """signals.finalized: save every cache of this build."""
    while ACTIVE:
        ACTIVE.pop().save()
    while AFTER_BUILD:
        AFTER_BUILD.pop()()


def last_stats(folder: str) -> dict[str, int]:
    """Counts of the last build that used the cache in `folder` (for tests and the benchmark)."""
    with open(os.path.join(folder, MANIFEST), encoding="utf-8") as fh:
        return json.load(fh)["stats"]


class PickledEntries:
    """{key: value} kept between builds in a private pickle `path` (None: this build only).

    `stamp` names what the values depend on besides their keys (e.g. tokenizer rules); a file
    with another stamp, or a damaged one, is ignored — that only makes the build slower. Only
    the entries this build used are saved, so the file never grows with old inputs. The render
    cache's parsed content, derived figures and the search caches all keep their data this way."""

    def __init__(self, path: str | None, stamp=None):
        self.path, self.stamp = path, stamp
        self.old: dict = {}
        self.new: dict = {}
        if path and os.path.exists(path):
            try:
                with open(path, "rb") as fh:
                    saved_stamp, entries = pickle.load(fh)
                if saved_stamp == stamp and isinstance(entries, dict):
                    self.old = entries
            except Exception:  # a damaged or older cache is only a slower build
                self.old = {}

    def get(self, key):
        """The value for `key` from this build or the last one (then kept), else None."""
        found = self.new.get(key)
        if found is None:
            found = self.old.get(key)
            if found is not None:
                self.new[key] = found
        return found

    def put(self, key, value) -> None:
        self.new[key] = value

    def save(self) -> None:
        if not self.path:
            return
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".cache-")  # owner-only, like private/
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((self.stamp, self.new), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.path)


class ParsedYaml(PickledEntries):
    """Parsed content/ YAML from the last build, keyed by relative path and sha256 of the bytes,
    kept in <cache>/content.pickle: a rebuild parses only the files the pull changed. Hashing a
    file is ~100x cheaper than parsing it, so even this check costs little."""

    def __init__(self, path: str | None):
        # rel path -> (sha256 of the file, pickled parse result): pickled at once, so a family that
        # later changes a record in memory cannot change what the next build gets
        super().__init__(path)
        if path:
            AFTER_BUILD.append(self.save)

    def load(self, rel: str, digest: bytes, data: bytes, parse, share=None):
        """parse(data) of the file `rel` (relative to content/, sha256 `digest`), or last
        build's result when the bytes are equal (passed through share(), if given, as parse()
        would have shared its strings)."""
        if not self.path:
            return parse(data)
        hit = self.old.get(rel)
        if hit and hit[0] == digest:
            self.new[rel] = hit
            value = pickle.loads(hit[1])
            return value if share is None else share(value)
        value = parse(data)
        self.new[rel] = (digest, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        return value

    def handed(self, rel: str, digest: bytes, value) -> None:
        """Record a file the store got without reading it (pipeline/content_handoff.py: `value`
        is its parse) exactly as load() would have: last build's entry when the bytes are the
        same, else (digest, pickled value), so the next build's hits and digest() are the same."""
        if not self.path:
            return
        hit = self.old.get(rel)
        self.new[rel] = hit if hit and hit[0] == digest else \
            (digest, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def digest(self, folders: tuple[str, ...]) -> str | None:
        """sha256 over (path, file digest) of every file under `folders` loaded so far; None when
        the cache is off (no file digests kept). Derived results (DerivedCache) are keyed by it."""
        if not self.path:
            return None
        prefixes = tuple(folder.rstrip("/") + os.sep for folder in folders)
        digest = hashlib.sha256()
        for rel in sorted(r for r in self.new if r.startswith(prefixes)):
            digest.update(rel.encode() + b"\0" + self.new[rel][0])
        return digest.hexdigest()


class DerivedCache(PickledEntries):
    """Values computed from the content (statistics figures, open-data bytes), kept between
    builds in <cache>/<name> and reused when their key — a digest of the inputs they were computed
    from plus the code that computed them — is unchanged. Off (always computes) without the
    render cache. Entries not asked for in this build are dropped when it is saved."""

    def __init__(self, settings: dict, name: str):
        super().__init__(render_cache_file(settings, name))
        if self.path:
            AFTER_BUILD.append(self.save)

    @property
    def enabled(self) -> bool:
        return bool(self.path)

    def derived(self, key: str | None, compute):
        """compute(), or the value it gave for the same key in the last build. A key of None
        (inputs unknown) always computes. Values are pickled at once, so a caller that changes the
        returned value in memory cannot change what the next build gets."""
        if not self.path or key is None:
            return compute()
        hit = self.get(key)
        if hit is not None:
            return pickle.loads(hit)
        value = compute()
        self.put(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        return value


def code_digest(*modules) -> str:
    """sha256 of the source files of `modules` (the code a derived value depends on)."""
    digest = hashlib.sha256()
    for module in modules:
        with open(module.__file__, "rb") as fh:
            digest.update(hashlib.sha256(fh.read()).digest())
        digest.update(str(getattr(module, "__version__", "")).encode())
    return digest.hexdigest()
