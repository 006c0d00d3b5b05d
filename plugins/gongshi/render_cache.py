"""Incremental rendering: reuse a page from the previous build when nothing it reads changed.

Enabled by the GONGSHI_RENDER_CACHE setting (a private folder, never under the output; unset = no
cache, every page rendered). Each build still starts from an empty output folder
(DELETE_OUTPUT_DIRECTORY), so a page the new build does not produce — an expired record's — is
simply not there: the last build's output is first moved (renamed, so it should be on the same
filesystem as the cache) to <cache>/previous-output, the cache decides per page between rendering
it and hard-linking last build's file from there, and the previous output is deleted at the end.

A page's key is sha256 of
  - the build stamp: every template's source and the plugin's Python source (a code or theme
    change re-renders everything);
  - the page's output path and every variable passed to FamilyGenerator.write(), serialised
    stably (a value we cannot serialise makes the page uncacheable: it is always rendered);
  - the values of every context/global name the page's template chain reads — for names only
    used as `name.attr` (e.g. `site_meta.demo`) just those attributes, so the per-build counts in
    site.yaml or the build id do not invalidate pages that never show them.
Keys are kept in <cache>/render-manifest.json with the size, mtime and inode each page had when
the build finished (a page changed in the output since is rendered again), and the last build's
counts of reused, rendered and uncacheable pages. No second copy of the pages is kept: the output
folder is the cache, so storing a page costs one stat and reusing it one link.
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

log = logging.getLogger(__name__)

SETTING = "GONGSHI_RENDER_CACHE"
MANIFEST = "render-manifest.json"
MANIFEST_FORMAT = 2  # 2: pages are [key, size, mtime_ns, inode] of the output file
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


class PageCache:
    """One build's decisions: reuse(…) before rendering a page, store(…) after."""

    def __init__(self, folder: str, env, output_path: str):
        self.folder = folder
        # last build's output, moved here before Pelican empties the output folder; its pages
        # are hard-linked into the new output when reused, and the folder is deleted at the end
        self.previous = os.path.join(folder, PREVIOUS)
        self.env = env
        self.output_path = output_path
        self.reads = TemplateReads(env)
        self.stamp = hashlib.sha256(stable_json([
            _sources_digest(list(env.loader.searchpath) if hasattr(env.loader, "searchpath")
                            else [], (".html", ".xml", ".txt", ".j2")),
            _sources_digest([PLUGIN_DIR], (".py",)),
        ]).encode()).hexdigest()
        self.old = self._load()
        # path -> [key, size, mtime_ns, inode] of the page as this build left it in the output
        self.new: dict[str, list] = {}
        self._context_parts: dict[str, str] = {}
        self.reused = self.rendered = self.uncacheable = 0
        self.files_reused = self.files_written = 0  # data files (write_bytes), not pages
        self._folders: set[str] = set()  # output folders known to exist

    @classmethod
    def for_generator(cls, generator) -> "PageCache | None":
        folder = generator.settings.get(SETTING)
        if not folder:
            return None
        for cache in ACTIVE:  # one per build, shared by every family
            if cache.output_path == generator.output_path:
                return cache
        cache = cls(folder, generator.env, generator.output_path)
        cache.keep_previous_output()
        ACTIVE.append(cache)
        return cache

    def keep_previous_output(self) -> None:
        """Move last build's output folder into the cache before Pelican empties it (called
        when the first family is created, before Pelican's clean_output_dir). A rename: no page
        is copied. After a build that did not finish, the output folder holds a partial build
        and the previous folder still holds the last finished one (what the manifest describes):
        keep that, Pelican deletes the partial one."""
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

    def _load(self) -> dict[str, str]:
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

    def makedirs(self, folder: str) -> None:
        """os.makedirs once per folder and build (many files share one: data/penalties/ …)."""
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)

    def write_bytes(self, path: str, data: bytes) -> None:
        """Write a data file (CSV, JSON) at `path`, or link last build's identical copy: keyed by
        the bytes' digest, so only the file creation is saved, never a stale byte reused."""
        key = "bytes:" + hashlib.sha256(data).hexdigest()
        if self.reuse(path, key, page=False):
            return
        target = os.path.join(self.output_path, path)
        self.makedirs(os.path.dirname(target))
        with open(target, "wb") as fh:
            fh.write(data)
        self.store(path, key, page=False)

    def reuse(self, path: str, key: str, page: bool = True) -> bool:
        """Put last build's page into the output when its key is unchanged: a hard link to the
        file in the previous output, which must be exactly as that build left it (size, mtime,
        inode), so a page edited or replaced since is rendered again."""
        entry = self.old.get(path)
        if not entry or entry[0] != key:
            return False
        source = os.path.join(self.previous, path)
        try:
            st = os.stat(source)
        except OSError:
            return False
        if [st.st_size, st.st_mtime_ns, st.st_ino] != entry[1:]:
            return False
        target = os.path.join(self.output_path, path)
        self.makedirs(os.path.dirname(target))
        try:
            try:
                os.link(source, target)
            except FileExistsError:  # written twice in one build: the last write wins
                os.remove(target)
                os.link(source, target)
        except OSError:  # no hard links here: a copy does as well
            shutil.copyfile(source, target)
            st = os.stat(target)
        self.new[path] = [key, st.st_size, st.st_mtime_ns, st.st_ino]
        if page:
            self.reused += 1
        else:
            self.files_reused += 1
        return True

    def store(self, path: str, key: str, page: bool = True) -> None:
        """Remember a freshly rendered page; the output folder itself is next build's cache."""
        st = os.stat(os.path.join(self.output_path, path))
        self.new[path] = [key, st.st_size, st.st_mtime_ns, st.st_ino]
        if page:
            self.rendered += 1
        else:
            self.files_written += 1

    def stats(self) -> dict[str, int]:
        return {"reused": self.reused, "rendered": self.rendered, "uncacheable": self.uncacheable,
                "files_reused": self.files_reused, "files_written": self.files_written}

    def save(self) -> None:
        """Write the manifest and delete the previous output (what Pelican's clean would have
        deleted at the start; reused pages live on as links in the new output)."""
        os.makedirs(self.folder, exist_ok=True)
        tmp = os.path.join(self.folder, MANIFEST + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"stamp": self.stamp, "format": MANIFEST_FORMAT, "stats": self.stats(),
                       "pages": dict(sorted(self.new.items()))}, fh, indent=0)
        os.replace(tmp, os.path.join(self.folder, MANIFEST))
        for folder in (self.previous, os.path.join(self.folder, "pages")):  # pages/: old format
            shutil.rmtree(folder, ignore_errors=True)
        log.info("render cache: %d pages reused, %d rendered, %d uncacheable",
                 self.reused, self.rendered, self.uncacheable)


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

    def load(self, root: str, path: str, parse, share=None):
        """parse(bytes) of the file at `path`, or last build's result when the bytes are equal
        (passed through share(), if given, as parse() would have shared its strings)."""
        if not self.path:
            with open(path, "rb") as fh:
                return parse(fh.read())
        with open(path, "rb") as fh:
            data = fh.read()
        prefix = root + os.sep  # os.path.relpath costs ~15 us a file; the store joins paths itself
        rel = path[len(prefix):] if path.startswith(prefix) else os.path.relpath(path, root)
        digest = hashlib.sha256(data).digest()
        hit = self.old.get(rel)
        if hit and hit[0] == digest:
            self.new[rel] = hit
            value = pickle.loads(hit[1])
            return value if share is None else share(value)
        value = parse(data)
        self.new[rel] = (digest, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        return value

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
