"""Publication windows for penalties, permits and the blacklist (domain §4, §7).

The numbers and status lists live in pipeline/rules/publication.yaml; this module only applies
them. Every function takes the build's `as_of` date, so what is public on any day is testable.
Withheld records get a reason code (exact strings, shared with the statistics):
natural_person, simple_procedure, warning_only, minor_severity, not_yet_public, expired, withdrawn,
repaired, secret, minor_party, invalid, removed_expired, certificate_expired.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml
from dateutil.relativedelta import relativedelta

from pipeline.sanitize import NATURAL_PERSON

DEFAULT_RULES = Path(__file__).with_name("rules") / "publication.yaml"

NATURAL_PERSON_REASON = "natural_person"
SIMPLE_PROCEDURE = "simple_procedure"
WARNING_ONLY = "warning_only"
MINOR_SEVERITY = "minor_severity"
NOT_YET_PUBLIC = "not_yet_public"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"
REPAIRED = "repaired"
SECRET = "secret"
MINOR_PARTY = "minor_party"
INVALID = "invalid"
REMOVED_EXPIRED = "removed_expired"
CERTIFICATE_EXPIRED = "certificate_expired"


@dataclass(frozen=True)
class Publication:
    """Whether a record is public on `as_of`, and until when.

    publish_until: inclusive last public day (None: no end). withdrawal_notice: a withdrawal or
    removal notice is to be shown on `as_of`; notice_until: its inclusive last day.
    """

    published: bool
    reason: str | None = None
    publish_until: date | None = None
    withdrawal_notice: bool = False
    notice_until: date | None = None
    regime: str | None = None


@dataclass(frozen=True)
class SeverityRule:
    publish: bool
    minimum: relativedelta | None
    maximum: relativedelta | None


@dataclass(frozen=True)
class Regime:
    id: str
    effective_from: date | None
    title: str
    severities: dict[str, SeverityRule]


@dataclass(frozen=True)
class Rules:
    source: str
    regimes: tuple[Regime, ...]
    default_severity: str
    severity_aliases: dict[str, str]
    cap: relativedelta
    withheld_procedures: frozenset[str]
    warning_only_kinds: frozenset[str]
    withdrawn_statuses: frozenset[str]
    repaired_statuses: frozenset[str]
    penalties_natural_persons: bool
    permit_valid: frozenset[str]
    permit_invalid: frozenset[str]
    permits_natural_persons: bool
    blacklist_active: str
    blacklist_removed: str
    hide_expired_certificates: bool = True
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    def regime_for(self, decision_date: date) -> Regime:
        """The regime in force on the decision date (see the YAML for why the decision date)."""
        chosen = self.regimes[0]
        for regime in self.regimes:
            if regime.effective_from is None or regime.effective_from <= decision_date:
                chosen = regime
        return chosen

    def severity(self, value: str | None) -> str:
        """Normalised 失信程度; empty or unknown values get the default severity (policy)."""
        value = (value or "").strip()
        value = self.severity_aliases.get(value, value)
        known = self.regimes[-1].severities
        return value if value in known else self.default_severity


class RulesError(ValueError):
    """The rules file is missing a key or has a malformed value (message names the file)."""


# --- loading -----------------------------------------------------------------------------------

def _period(value, where: str) -> relativedelta | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= {"years", "months", "days"}:
        raise RulesError(f"{where}: a period is a mapping of years/months/days, got {value!r}")
    return relativedelta(**{k: int(v) for k, v in value.items()})


def _date(value, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise RulesError(f"{where}: not a date: {value!r}") from exc


def _strings(values) -> frozenset[str]:
    return frozenset(str(v).strip() for v in values or ())


def load_rules(path: str | Path | None = None) -> Rules:
    """Read the publication rules (default: pipeline/rules/publication.yaml)."""
    path = Path(path) if path else DEFAULT_RULES
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        pen, per, bl = data["penalties"], data["permits"], data["blacklist"]
        regimes = []
        for i, r in enumerate(pen["regimes"]):
            where = f"{path}: penalties.regimes[{i}]"
            severities = {
                name: SeverityRule(bool(s.get("publish", True)), _period(s.get("minimum"), where),
                                   _period(s.get("maximum"), where))
                for name, s in r["severities"].items()}
            for name, s in severities.items():
                if s.publish and s.maximum is None:
                    raise RulesError(f"{where}: severity {name} is published but has no maximum")
            regimes.append(Regime(str(r["id"]), _date(r.get("effective_from"), where), str(r.get("title", "")),
                                  severities))
        regimes.sort(key=lambda g: g.effective_from or date.min)
        return Rules(
            source=str(path), regimes=tuple(regimes),
            default_severity=str(pen["default_severity"]),
            severity_aliases={str(k): str(v) for k, v in (pen.get("severity_aliases") or {}).items()},
            cap=_period(pen["cap"], f"{path}: penalties.cap"),
            withheld_procedures=_strings(pen.get("withheld_procedures")),
            warning_only_kinds=_strings(pen.get("warning_only_kinds")),
            withdrawn_statuses=_strings(pen.get("withdrawn_statuses")),
            repaired_statuses=_strings(pen.get("repaired_statuses")),
            penalties_natural_persons=bool(pen.get("publish_natural_persons", False)),
            permit_valid=_strings(per["valid_statuses"]), permit_invalid=_strings(per["invalid_statuses"]),
            permits_natural_persons=bool(per.get("publish_natural_persons", False)),
            blacklist_active=str(bl["active_status"]), blacklist_removed=str(bl["removed_status"]),
            hide_expired_certificates=bool((data.get("officers") or {}).get("hide_expired_certificates", True)),
            raw=data)
    except (KeyError, TypeError, AttributeError) as exc:
        raise RulesError(f"{path}: malformed publication rules ({exc!r})") from exc


# --- shared checks -----------------------------------------------------------------------------

def _withheld(reason: str, **extra) -> Publication:
    return Publication(False, reason, **extra)


def _party_block(party_kind: str | None, secret: bool, minor: bool, persons_allowed: bool) -> str | None:
    """Reasons that withhold a record whatever its dates: who the party is, what the note says."""
    if (party_kind or "").strip() == NATURAL_PERSON and not persons_allowed:
        return NATURAL_PERSON_REASON
    if minor:
        return MINOR_PARTY
    if secret:
        return SECRET
    return None


def _effective(status: str | None, status_date: date | None, as_of: date) -> str:
    """A status counts from its status date on; a later status date is ignored on earlier days."""
    status = (status or "").strip()
    if status and status_date is not None and status_date > as_of:
        return ""
    return status


# --- penalties ---------------------------------------------------------------------------------

def penalty_end(decision_date: date, end_date: date | None, severity: str | None, rules: Rules) -> date | None:
    """Inclusive last public day: the explicit 公示截止期, else decision date + the maximum period
    of the severity under the regime in force; either way capped at decision date + cap (5 years).
    None when the severity is never published."""
    cap = decision_date + rules.cap
    if end_date is not None:
        return min(end_date, cap)
    rule = rules.regime_for(decision_date).severities.get(rules.severity(severity))
    if rule is None or not rule.publish:
        return None
    return min(decision_date + rule.maximum, cap)


def penalty_status(*, decision_date: date, as_of: date, party_kind: str | None, procedure: str | None,
                   kinds: list[str] | None, severity: str | None, status: str | None,
                   status_date: date | None, end_date: date | None, secret: bool, minor: bool,
                   rules: Rules) -> Publication:
    regime = rules.regime_for(decision_date)
    sev = rules.severity(severity)
    if decision_date > as_of:
        return _withheld(NOT_YET_PUBLIC, regime=regime.id)
    blocked = _party_block(party_kind, secret, minor, rules.penalties_natural_persons)
    if blocked:
        return _withheld(blocked, regime=regime.id)
    if (procedure or "").strip() in rules.withheld_procedures:
        return _withheld(SIMPLE_PROCEDURE, regime=regime.id)
    if isinstance(kinds, str):  # "警告；罚款" straight from an export
        kinds = re.split(r"[;；,，、\s]+", kinds)
    kinds = [k.strip() for k in kinds or () if k and k.strip()]
    if kinds and all(k in rules.warning_only_kinds for k in kinds):
        return _withheld(WARNING_ONLY, regime=regime.id)
    rule = regime.severities.get(sev)
    if rule is None or not rule.publish:  # 轻微 under 信用修复管理办法, even with a 公示截止期
        return _withheld(MINOR_SEVERITY, regime=regime.id)
    until = penalty_end(decision_date, end_date, sev, rules)
    current = _effective(status, status_date, as_of)
    if current in rules.withdrawn_statuses:
        # The notice stays up as long as the decision itself would have been public (policy).
        return _withheld(WITHDRAWN, publish_until=until, withdrawal_notice=as_of <= until,
                         notice_until=until, regime=regime.id)
    if current in rules.repaired_statuses:
        # Repair ends publication, but not before the minimum period is over (policy).
        repaired_from = status_date or as_of
        if rule is not None and rule.minimum is not None:
            repaired_from = max(repaired_from, decision_date + rule.minimum)
        if as_of >= repaired_from:
            return _withheld(REPAIRED, publish_until=min(until, repaired_from - timedelta(days=1)),
                             regime=regime.id)
        until = min(until, repaired_from - timedelta(days=1))
    if as_of > until:
        return _withheld(EXPIRED, publish_until=until, regime=regime.id)
    return Publication(True, None, until, regime=regime.id)


# --- permits -----------------------------------------------------------------------------------

def permit_status(*, decision_date: date, valid_until: date | None, current_status: str | None,
                  party_kind: str | None, secret: bool, minor: bool, as_of: date, rules: Rules) -> Publication:
    """Public from the decision date while 当前状态 is valid, up to and including 有效期至."""
    if decision_date > as_of:
        return _withheld(NOT_YET_PUBLIC)
    blocked = _party_block(party_kind, secret, minor, rules.permits_natural_persons)
    if blocked:
        return _withheld(blocked)
    status = str(current_status if current_status is not None else "").strip()
    if status not in rules.permit_valid:
        return _withheld(INVALID)  # 无效/2, and anything that is not positively valid
    if valid_until is not None and as_of > valid_until:
        return _withheld(EXPIRED, publish_until=valid_until)
    return Publication(True, None, valid_until)


# --- blacklist ---------------------------------------------------------------------------------

def blacklist_status(*, party_kind: str | None, listed_date: date, expires: date | None, status: str | None,
                     removed_date: date | None, as_of: date, rules: Rules) -> Publication:
    """Active entries while 列入 and as_of <= 有效期至; a removal notice (withdrawal_notice=True)
    from the removal until the original 有效期至; natural persons never."""
    if (party_kind or "").strip() == NATURAL_PERSON:
        return _withheld(NATURAL_PERSON_REASON)
    if listed_date > as_of:
        return _withheld(NOT_YET_PUBLIC)
    status = (status or "").strip()
    removed = status == rules.blacklist_removed and (removed_date is None or removed_date <= as_of)
    if removed:
        if expires is not None and as_of <= expires:
            return Publication(True, None, expires, withdrawal_notice=True, notice_until=expires)
        return _withheld(REMOVED_EXPIRED, notice_until=expires)
    if expires is not None and as_of > expires:
        return _withheld(EXPIRED, publish_until=expires)
    return Publication(True, None, expires)


# --- officers ----------------------------------------------------------------------------------

def officer_status(*, valid_until: date | None, as_of: date, rules: Rules) -> Publication:
    """Officers are listed while their 执法证 is valid (inclusive); no date means valid."""
    if rules.hide_expired_certificates and valid_until is not None and as_of > valid_until:
        return _withheld(CERTIFICATE_EXPIRED, publish_until=valid_until)
    return Publication(True, None, valid_until)
