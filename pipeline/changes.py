"""What a new release adds, changes and removes compared with the live one, per content table.

Compares two content/ trees (docs/content-contract.md) record by record: a record is its
`<table>/<id>.yaml` file, so "changed" means the published YAML differs. For every removed record
the summary gives the reason, because staff must be able to tell a record that left on schedule
(expired) from one taken down (withdrawn), one ended early (repaired) and one that simply is no
longer in the export.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader

# Per-record tables (facts/ holds anonymous lists and is summarised by its records' tables).
TABLES = ("agencies", "officers", "matters", "procedures", "major_decisions", "penalties",
          "permits", "withdrawals", "blacklist", "cases", "supervision")
# Reasons for a removal, in the rules' vocabulary (pipeline.rules reason codes) plus one of ours.
EXPIRED, WITHDRAWN, REPAIRED, NOT_IN_SOURCE = "expired", "withdrawn", "repaired", "not_in_source"
REASON_LABELS = {
    EXPIRED: "公示期满", WITHDRAWN: "已撤回（撤销/变更/确认违法/确认无效）", REPAIRED: "信用修复",
    NOT_IN_SOURCE: "导出数据中已无此记录", "removed_expired": "移出公告期满",
    "certificate_expired": "证件过期", "invalid": "已无效", "secret": "涉密不公开",
    "minor_party": "未成年人不公开", "natural_person": "自然人不公开", "unknown": "原因未知",
}
# Field holding the last public day of a record, per table (inclusive, ISO date string).
_LAST_DAY = {"penalties": "publish_until", "permits": "valid_until", "blacklist": "expires",
             "withdrawals": "visible_until", "officers": "valid_until"}


@dataclass
class TableChanges:
    table: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: dict[str, str] = field(default_factory=dict)  # id -> reason code

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def removed_by_reason(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for rid, reason in sorted(self.removed.items()):
            grouped.setdefault(reason, []).append(rid)
        return dict(sorted(grouped.items()))


@dataclass
class ChangeSummary:
    old_as_of: str | None
    new_as_of: str | None
    first_release: bool
    tables: list[TableChanges]

    @property
    def empty(self) -> bool:
        return all(t.empty for t in self.tables)

    def to_dict(self) -> dict:
        return asdict(self)

    def format_text(self, limit: int = 10) -> str:
        """Plain-text summary for the terminal; at most `limit` ids per list."""
        head = (f"变更摘要：{self.old_as_of or '（无）'} → {self.new_as_of}"
                + ("（首次发布）" if self.first_release else ""))
        lines = [head]
        for t in self.tables:
            if t.empty:
                continue
            lines.append(f"  {t.table}: 新增 {len(t.added)}，变更 {len(t.changed)}，"
                         f"删除 {len(t.removed)}")
            for label, ids in (("新增", t.added), ("变更", t.changed)):
                if ids:
                    lines.append(f"    {label}: {_ellipsis(ids, limit)}")
            for reason, ids in t.removed_by_reason().items():
                lines.append(f"    删除（{reason} {REASON_LABELS.get(reason, '')}）: "
                             f"{_ellipsis(ids, limit)}")
        if self.empty:
            lines.append("  无变化")
        return "\n".join(lines)


def _ellipsis(ids: list[str], limit: int) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" …（共 {len(ids)} 条）" if len(ids) > limit else "")


def _load(path: str):
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


def _record_files(root: str | None, table: str) -> dict[str, str]:
    folder = os.path.join(root, table) if root else ""
    if not root or not os.path.isdir(folder):
        return {}
    return {n[:-5]: os.path.join(folder, n) for n in sorted(os.listdir(folder))
            if n.endswith(".yaml")}


def _same_bytes(a: str, b: str) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def _as_of(root: str | None) -> str | None:
    path = os.path.join(root, "site.yaml") if root else ""
    if not root or not os.path.isfile(path):
        return None
    value = (_load(path) or {}).get("as_of")
    return str(value) if value else None


def _facts(root: str) -> dict[str, list[dict]]:
    """facts/<table>-<year>.yaml -> {table: [fact, ...]} (anonymous, published or not)."""
    folder = os.path.join(root, "facts")
    found: dict[str, list[dict]] = {}
    if not os.path.isdir(folder):
        return found
    for name in sorted(os.listdir(folder)):
        if name.endswith(".yaml"):
            table = name[:-5].rsplit("-", 1)[0]
            found.setdefault(table, []).extend(_load(os.path.join(folder, name)) or [])
    return found


def _reasons_from_report(report: dict | None) -> dict[str, str]:
    """id -> withheld reason when the pull report lists withheld records by id."""
    reasons = {}
    for key in ("withheld", "withheld_records"):
        for item in (report or {}).get(key) or []:
            if isinstance(item, dict) and item.get("id") and item.get("reason"):
                reasons[str(item["id"])] = str(item["reason"])
    return reasons


def _fact_reason(record: dict, facts: list[dict]) -> str | None:
    """The withheld reason of the anonymous fact that matches this old record, if exactly one does.

    Facts of unpublished decisions carry no id (contract), so match on what a fact does carry.
    """
    keys = ("agency_id", "decision_date", "kinds", "fine_yuan")
    reasons = {f.get("withheld_reason") for f in facts
               if not f.get("published") and f.get("withheld_reason")
               and all(f.get(k) == record.get(k) for k in keys if k in f)}
    return reasons.pop() if len(reasons) == 1 else None


def removal_reason(table: str, record: dict, new_root: str, new_as_of: str | None,
                   report_reasons: dict[str, str], facts: dict[str, list[dict]]) -> str:
    rid = str(record.get("id", ""))
    if rid in report_reasons:
        return report_reasons[rid]
    # a withdrawal notice carries the id of the decision it withdraws (same hash)
    if table in ("penalties", "permits") and os.path.isfile(
            os.path.join(new_root, "withdrawals", f"{rid}.yaml")):
        return WITHDRAWN
    if table in facts:
        reason = _fact_reason(record, facts[table])
        if reason:
            return reason
    last_day = record.get(_LAST_DAY.get(table, ""))
    if last_day and new_as_of and str(last_day) < new_as_of:
        return EXPIRED
    return NOT_IN_SOURCE


def compare_content(old_root: str | None, new_root: str, report: dict | None = None) -> ChangeSummary:
    """Change summary from the live release's content (None: first release) to the new one."""
    new_as_of = _as_of(new_root)
    report_reasons = _reasons_from_report(report)
    facts = _facts(new_root)
    tables = []
    for table in TABLES:
        old, new = _record_files(old_root, table), _record_files(new_root, table)
        changes = TableChanges(table)
        changes.added = sorted(set(new) - set(old))
        changes.changed = sorted(i for i in set(old) & set(new) if not _same_bytes(old[i], new[i]))
        for rid in sorted(set(old) - set(new)):
            record = _load(old[rid]) or {}
            changes.removed[rid] = removal_reason(table, record, new_root, new_as_of,
                                                  report_reasons, facts)
        tables.append(changes)
    return ChangeSummary(_as_of(old_root), new_as_of, old_root is None, tables)

