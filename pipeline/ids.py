"""Stable record IDs, derived only from authority-issued identifiers (never personal data).

See docs/content-contract.md: a change in how a record is *described* must not change its ID,
so only the identifier itself (normalised) goes into the hash.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_BRACKETS = str.maketrans({"（": "(", "）": ")", "〔": "[", "〕": "]", "［": "[", "］": "]",
                           "【": "[", "】": "]", "﹝": "[", "﹞": "]"})
_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def normalise_identifier(value: str) -> str:
    """NFKC, no whitespace, brackets unified: `胶市监罚〔2024〕 12号` == `胶市监罚[2024]12号`."""
    text = unicodedata.normalize("NFKC", str(value)).translate(_BRACKETS)
    return re.sub(r"\s+", "", text).upper()


def short_hash(*parts: str, length: int = 12) -> str:
    joined = "\x1f".join(normalise_identifier(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]


def agency_id(credit_code: str) -> str:
    return normalise_identifier(credit_code).lower()


def matter_id(code: str) -> str:
    norm = normalise_identifier(code)
    return "m-" + (norm.lower() if _SAFE.match(norm) else short_hash(code))


def penalty_id(agency_credit_code: str, decision_no: str) -> str:
    return "cf-" + short_hash(agency_credit_code, decision_no)


def permit_id(agency_credit_code: str, decision_no: str) -> str:
    return "xk-" + short_hash(agency_credit_code, decision_no)


def case_id(case_no: str) -> str:
    return "aj-" + short_hash(case_no)


def blacklist_id(credit_code: str, doc_no: str) -> str:
    return "hm-" + short_hash(credit_code, doc_no)


def major_decision_id(number: str) -> str:
    return "zd-" + short_hash(number)


def officer_id(cert_no: str) -> str:
    return "zf-" + short_hash(cert_no)


def law_id(full_title: str) -> str:
    return "law-" + hashlib.sha256(full_title.strip().encode("utf-8")).hexdigest()[:8]
