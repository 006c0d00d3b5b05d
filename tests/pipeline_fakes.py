"""Helpers for the pipeline tests: a stand-in for pipeline.rules with the agreed signatures, so
the pipeline's own mechanics (reading, duplicates, export, report) are tested apart from the
publication policy (tests/test_rules_* cover that; end-to-end tests use the real module), and
functions that read a whole content tree."""

from __future__ import annotations

import hashlib
import os
import sys
import types
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Publication:
    published: bool
    reason: str | None = None
    publish_until: date | None = None
    withdrawal_notice: bool = False
    notice_until: date | None = None


def penalty_status(*, decision_date, as_of, party_kind, procedure, kinds, severity, status, status_date,
                   end_date, secret, minor, rules):
    if party_kind == "自然人":
        return Publication(False, "natural_person")
    if procedure == "简易程序":
        return Publication(False, "simple_procedure")
    if status == "已撤销":
        return Publication(False, "withdrawn", withdrawal_notice=True,
                           notice_until=decision_date + timedelta(days=365))
    until = end_date or decision_date + timedelta(days=365)
    if until < as_of:
        return Publication(False, "expired")
    return Publication(True, None, until)


def permit_status(*, decision_date, valid_until, current_status, party_kind, secret, minor, as_of, rules):
    return Publication(current_status == "有效", None if current_status == "有效" else "invalid", valid_until)


def blacklist_status(*, party_kind, listed_date, expires, status, removed_date, as_of, rules):
    if expires < as_of:
        return Publication(False, "removed_expired" if status == "移出" else "expired")
    return Publication(True, None, expires, status == "移出", expires if status == "移出" else None)


def install(monkeypatch) -> None:
    module = types.ModuleType("pipeline.rules")
    module.load_rules = lambda path=None: {"fake": True}
    module.penalty_status, module.permit_status = penalty_status, permit_status
    module.blacklist_status, module.Publication = blacklist_status, Publication
    monkeypatch.setitem(sys.modules, "pipeline.rules", module)


def tree_hash(root) -> str:
    """sha256 over every file's relative path and bytes, in sorted order."""
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            digest.update(os.path.relpath(path, root).encode() + b"\0")
            with open(path, "rb") as fh:
                digest.update(fh.read())
    return digest.hexdigest()


def texts(root):
    """(path, text) of every file under root."""
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as fh:
                yield path, fh.read()
