"""Read-only access to the pipeline's YAML under content/ (see docs/content-contract.md).

Loaded once per build and shared by every generator through the Pelican context, so no page family
parses the same file twice.
"""

from __future__ import annotations

import os
from functools import cached_property

import yaml

try:  # the C loader is ~10x faster on tens of thousands of small files
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader

CONTEXT_KEY = "gongshi_store"

# Record folders under content/ (docs/content-contract.md).
KINDS = ("agencies", "officers", "matters", "procedures", "major_decisions", "penalties",
         "permits", "withdrawals", "blacklist", "cases", "supervision", "facts")


def _load(path: str):
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


class ContentStore:
    def __init__(self, root: str):
        self.root = root
        self._cache: dict[str, list[dict]] = {}

    @classmethod
    def for_context(cls, context: dict, settings: dict) -> "ContentStore":
        store = context.get(CONTEXT_KEY)
        if store is None:
            store = context[CONTEXT_KEY] = cls(settings["PATH"])
        return store

    @cached_property
    def site(self) -> dict:
        path = os.path.join(self.root, "site.yaml")
        return _load(path) if os.path.exists(path) else {}

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
                data = _load(os.path.join(folder, name))
                # facts files hold lists; every other kind one record per file
                loaded.extend(data if isinstance(data, list) else [data])
            self._cache[kind] = loaded
        return self._cache[kind]

    def by_id(self, kind: str) -> dict[str, dict]:
        key = f"{kind}#by_id"
        if key not in self._cache:
            self._cache[key] = {r["id"]: r for r in self.records(kind) if "id" in r}  # type: ignore[assignment]
        return self._cache[key]  # type: ignore[return-value]
