"""A stand-in for pipeline.rules with the agreed signatures, so the pipeline's own mechanics
(reading, duplicates, export, report) are tested apart from the publication policy, which
tests/test_rules_* cover. End-to-end tests use the real module."""

from __future__ import annotations

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
