"""Read-only access to the pipeline's YAML under content/ (see docs/content-contract.md).

Loaded once per build and shared by every generator through the Pelican context, so no page family
parses the same file twice. Groupings (records by agency, by month, ...) are computed once here and
cached, so every family stays O(n) however many pages it writes.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from functools import cached_property

import yaml

from . import content_yaml

try:  # the C loader is ~10x faster on tens of thousands of small files
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader

CONTEXT_KEY = "gongshi_store"

# Record folders under content/ (docs/content-contract.md).
KINDS = ("agencies", "officers", "matters", "procedures", "major_decisions", "penalties",
         "permits", "withdrawals", "blacklist", "cases", "supervision", "facts")

# 事项类别 in the order of the contract, with their URL slugs.
MATTER_CATEGORIES = {
    "行政许可": "xuke", "行政处罚": "chufa", "行政强制": "qiangzhi", "行政征收": "zhengshou",
    "行政征用": "zhengyong", "行政检查": "jiancha", "行政确认": "queren", "行政给付": "jifu",
    "行政裁决": "caijue", "行政奖励": "jiangli", "其他行政权力": "qita",
}

# 处罚类别 (行政处罚法 第九条) -> slug for /penalties/kind/<slug>/.
PENALTY_KIND_SLUGS = {
    "警告": "jinggao", "通报批评": "tongbao", "罚款": "fakuan", "没收违法所得": "moshou-suode",
    "没收非法财物": "moshou-caiwu", "暂扣许可证件": "zankou", "降低资质等级": "jiangdi",
    "吊销许可证件": "diaoxiao", "限制开展生产经营活动": "xianzhi-jingying",
    "责令停产停业": "tingchan", "责令关闭": "guanbi", "限制从业": "xianzhi-congye",
    "行政拘留": "juliu", "其他": "qita",
}


def penalty_kind_slug(kind: str) -> str:
    """Slug of a 处罚类别; an unlisted kind gets a stable hash so its listing still has a URL."""
    return PENALTY_KIND_SLUGS.get(kind) or "k-" + hashlib.sha256(kind.encode("utf-8")).hexdigest()[:8]


def _load(path: str):
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


def _parse(data: bytes, shared: dict | None = None):
    """The YAML in `data`; with `shared` ({str: str}) equal keys and strings are one object
    (content_yaml.load)."""
    text = data.decode("utf-8")
    try:  # the pipeline's own block YAML, ~3x faster than PyYAML's C loader (content_yaml.py)
        return content_yaml.load(text, shared)
    except content_yaml.Unsupported:  # anything else: PyYAML, same result
        value = yaml.load(text, Loader=_Loader)
        return value if shared is None else content_yaml.share(value, shared)


class ContentStore:
    def __init__(self, root: str, laws_dir: str | None = None, parsed_cache: str | None = None):
        from .render_cache import ParsedYaml

        self.root = root
        self._abs_root = os.path.abspath(root)  # the handoff's paths are absolute
        self.laws_dir = laws_dir
        self._cache: dict[str, list[dict]] = {}
        # records parsed by the last build, reused for unchanged files (render_cache.ParsedYaml)
        self._parsed = ParsedYaml(parsed_cache)
        # one object per distinct key or string of all records (content_yaml.load): the records
        # of a large build are mostly repeated keys, dates, ids and statuses (handed records too)
        self._strings: dict[str, str] = {}
        # relative path -> sha256 of the bytes of every file loaded, so build_id does not read
        # them again (None once build_id is known)
        self._digests: dict[str, bytes] | None = {}

    def _load_record_file(self, kind: str, name: str):
        """The parse of content/<kind>/<name>: handed over by the pull of this process when the
        file is as the pull left it (pipeline/content_handoff.py), else read and parsed (or
        taken from last build's parse cache)."""
        from pipeline import content_handoff

        rel = kind + os.sep + name
        path = os.path.join(self._abs_root, kind, name)
        handed = content_handoff.take(path)
        if handed is not None:
            value, digest = handed
            value = content_yaml.share(value, self._strings)
            self._parsed.handed(rel, digest, value)
        else:
            with open(path, "rb") as fh:
                data = fh.read()
            digest = hashlib.sha256(data).digest()
            strings = self._strings
            value = self._parsed.load(rel, digest, data, lambda raw: _parse(raw, strings),
                                      lambda cached: content_yaml.share(cached, strings))
        if self._digests is not None:
            self._digests[rel] = digest
        return value

    @classmethod
    def for_context(cls, context: dict, settings: dict) -> "ContentStore":
        store = context.get(CONTEXT_KEY)
        if store is None:
            from .render_cache import render_cache_file

            store = context[CONTEXT_KEY] = cls(settings["PATH"], settings.get("GONGSHI_LAWS_DIR"),
                                               render_cache_file(settings, "content.pickle"))
        return store

    @cached_property
    def site(self) -> dict:
        path = os.path.join(self.root, "site.yaml")
        return (_load(path) if os.path.exists(path) else None) or {}

    @cached_property
    def build_id(self) -> str:
        """Short hash of the whole content tree plus the as-of date: same data, same id. A file
        the store has loaded counts by the digest taken when it was loaded (read or handed over
        once); only the others are read here."""
        digest = hashlib.sha256(str(self.site.get("as_of", "")).encode("utf-8"))
        known, self._digests = self._digests or {}, None  # not needed any more
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            folder = os.path.relpath(dirpath, self.root)  # once per folder, not per file
            for name in sorted(filenames):
                rel = name if folder == os.curdir else os.path.join(folder, name)
                digest.update(rel.encode("utf-8") + b"\0")
                file_digest = known.get(rel)
                if file_digest is None:
                    with open(os.path.join(dirpath, name), "rb") as fh:
                        file_digest = hashlib.sha256(fh.read()).digest()
                digest.update(file_digest)
        return digest.hexdigest()[:10]

    @cached_property
    def library(self):
        """The official law texts (pipeline.laws.LawLibrary), read once per build."""
        from pipeline.laws import load_library  # late: only families that show laws need it

        return load_library(self.laws_dir)

    def records(self, kind: str) -> list[dict]:
        """All records of one kind, sorted by file name (= by id) for deterministic output."""
        if kind not in KINDS:
            raise KeyError(f"unknown content kind {kind!r}")
        if kind not in self._cache:
            folder = os.path.join(self.root, kind)
            names = sorted(n for n in os.listdir(folder) if n.endswith(".yaml")) \
                if os.path.isdir(folder) else []
            loaded = []
            for name in names:
                data = self._load_record_file(kind, name)
                # facts files hold lists; every other kind one record per file
                loaded.extend(data if isinstance(data, list) else [data])
            self._cache[kind] = loaded
        return self._cache[kind]

    def facts(self) -> dict[str, list[dict]]:
        """facts/<table>-<year>.yaml grouped by table (records("facts") flattens them). Cached."""
        key = "facts#by_table"
        if key not in self._cache:
            folder = os.path.join(self.root, "facts")
            tables: dict[str, list[dict]] = {}
            names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
            for name in names:
                stem, ext = os.path.splitext(name)
                if ext == ".yaml" and "-" in stem:
                    data = self._load_record_file("facts", name) or []
                    tables.setdefault(stem.rsplit("-", 1)[0], []).extend(data)
            self._cache[key] = tables  # type: ignore[assignment]
        return self._cache[key]  # type: ignore[return-value]

    def inputs_digest(self, kinds: tuple[str, ...]) -> str | None:
        """Digest of every file of these kinds (loading them if needed) plus the as-of date, for
        keying values derived from them (render_cache.DerivedCache); None without the render cache
        (no file digests are kept then)."""
        for kind in kinds:
            self.facts() if kind == "facts" else self.records(kind)
        files = self._parsed.digest(kinds)
        return None if files is None else f"{self.site.get('as_of')}:{files}"

    def by_id(self, kind: str) -> dict[str, dict]:
        key = f"{kind}#by_id"
        if key not in self._cache:
            self._cache[key] = {r["id"]: r for r in self.records(kind) if "id" in r}  # type: ignore[assignment]
        return self._cache[key]  # type: ignore[return-value]

    def group_by(self, kind: str, field: str, newest_by: str | None = None) -> dict[str, list[dict]]:
        """Records of `kind` grouped by the value of `field` (a list field puts a record in each
        group), each group in the order of `records()` — or newest first by the date field
        `newest_by`. Computed once per (kind, field, order)."""
        key = f"{kind}#group#{field}#{newest_by}"
        if key not in self._cache:
            source = self.newest_first(kind, newest_by) if newest_by else self.records(kind)
            groups: dict[str, list[dict]] = defaultdict(list)
            for record in source:
                value = record.get(field)
                for item in value if isinstance(value, list) else [value]:
                    if item is not None:
                        groups[item].append(record)
            self._cache[key] = dict(groups)  # type: ignore[assignment]
        return self._cache[key]  # type: ignore[return-value]

    def newest_first(self, kind: str, date_field: str = "decision_date") -> list[dict]:
        """Records sorted by date descending, then id (stable, deterministic). Cached."""
        key = f"{kind}#newest#{date_field}"
        if key not in self._cache:
            self._cache[key] = sorted(
                sorted(self.records(kind), key=lambda r: r.get("id") or ""),
                key=lambda r: str(r.get(date_field) or ""), reverse=True)
        return self._cache[key]


class BuildId:
    """The store's build_id as a Jinja global, computed when first shown (str()). Installed when
    the generators are created, it used to hash every file under content/ before any family had
    loaded one; shown only on a few pages rendered after every family's generate_context, it now
    mostly reuses the digests the store took while loading (store.build_id)."""

    __slots__ = ("_store",)

    def __init__(self, store):  # a ContentStore, or anything with a build_id
        self._store = store

    def __str__(self) -> str:
        return self._store.build_id

    def cache_fingerprint(self) -> str:
        """What the render cache keys a page showing it by (render_cache._default)."""
        return self._store.build_id
