"""Query codes (查询码) for the case-progress lookup (domain §9, issue 10).

A party types 案件编号 + 查询码 on /lookup/; the code is what makes the encrypted lookup entry
unguessable, so it must carry at least 60 bits. The export's own 查询码 is kept when it is strong
enough; otherwise the pipeline derives one with HMAC-SHA256 from a secret kept outside the
repository, so rebuilds give the same code for the same case and staff can print it on notices.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import math
import os
import re
import tempfile
import unicodedata

from .ids import normalise_identifier

CODE_BITS_REQUIRED = 60
# Crockford base32: no I, L, O, U, so a printed code cannot be misread.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DERIVED_LENGTH = 16  # 16 chars x 5 bits = 80 bits
GROUP = 4

# Fixed key for synthetic demo data only: demo codes are stable so the README can list two of them.
DEMO_SECRET = b"gongshi-demo-query-code-key/not-for-production"
MIN_SECRET_BYTES = 16
ENV_SECRET = "GONGSHI_CODE_SECRET"
ENV_SECRET_FILE = "GONGSHI_CODE_SECRET_FILE"

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−_]+")
# Crockford decoding rules: the letters people confuse with digits read as those digits.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


class MissingSecretError(RuntimeError):
    """A real (non-demo) build has no query-code secret configured."""


def normalise_case_no(case_no: str) -> str:
    """Case numbers as typed or exported: NFKC, no spaces, （）/() and 〔〕/[] unified."""
    return normalise_identifier(case_no)


def normalise_code(code: str) -> str:
    """NFKC, upper case, spaces and dashes removed, O/I/L read as 0/1 (Crockford)."""
    text = unicodedata.normalize("NFKC", str(code)).upper()
    return _SEPARATORS.sub("", text).translate(_CONFUSABLE)


def code_bits(code: str) -> float:
    """Entropy estimate: length x log2(size of the character classes the code uses).

    Digits count 10, Latin letters 23 (O, I and L fold into digits on input), anything else 64. A code made of one or two
    distinct characters is worthless whatever its length.
    """
    norm = normalise_code(code)
    if len(set(norm)) <= 2:
        return 0.0
    alphabet = 0
    if any(c.isdigit() for c in norm):
        alphabet += 10
    if any("A" <= c <= "Z" for c in norm):
        alphabet += 23
    if any(not (c.isdigit() or "A" <= c <= "Z") for c in norm):
        alphabet += 64
    return len(norm) * math.log2(alphabet)


def derive_code(secret: bytes, case_no: str) -> str:
    """HMAC-SHA256(secret, normalised case number) as 16 Crockford chars, grouped ABCD-EFGH-…"""
    digest = hmac.new(secret, normalise_case_no(case_no).encode("utf-8"), hashlib.sha256).digest()
    std = base64.b32encode(digest[:10]).decode("ascii")  # 10 bytes -> exactly 16 chars, no '='
    chars = std.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CROCKFORD))
    return "-".join(chars[i:i + GROUP] for i in range(0, DERIVED_LENGTH, GROUP))


def assign_codes(cases: list[tuple[str, str | None]], secret: bytes
                 ) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Code per case: the export's 查询码 when >= 60 bits, else one derived from the secret.

    Returns (codes, problems); a problem names the case and why its exported code was replaced.
    """
    codes: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for case_no, exported in cases:
        exported = (exported or "").strip()
        if exported:
            bits = code_bits(exported)
            if bits >= CODE_BITS_REQUIRED:
                codes[case_no] = exported
                continue
            problems.append((case_no, f"查询码强度不足（约 {bits:.0f} 位，要求至少 "
                                      f"{CODE_BITS_REQUIRED} 位），已改用系统生成的查询码"))
        codes[case_no] = derive_code(secret, case_no)
    return codes, problems


def secret_from_env(demo: bool) -> bytes:
    """The query-code secret: env GONGSHI_CODE_SECRET, or the file GONGSHI_CODE_SECRET_FILE.

    Demo data always uses the fixed DEMO_SECRET (the README lists demo codes). A real build without
    a secret fails: derived codes would otherwise be guessable or change between builds.
    """
    if demo:
        return DEMO_SECRET
    value = os.environ.get(ENV_SECRET, "").strip().encode("utf-8")
    path = os.environ.get(ENV_SECRET_FILE, "").strip()
    if not value and path:
        try:
            with open(path, "rb") as fh:
                value = fh.read().strip()
        except OSError as exc:
            raise MissingSecretError(f"查询码密钥文件无法读取 {ENV_SECRET_FILE}={path}: {exc}") from exc
    if not value:
        raise MissingSecretError(
            f"No query-code secret: set {ENV_SECRET} or {ENV_SECRET_FILE} (a file outside the "
            "repository holding at least 16 random bytes). Without it, derived 查询码 would not be "
            "stable or secret. 未配置查询码密钥，构建终止。")
    if len(value) < MIN_SECRET_BYTES:
        raise MissingSecretError(
            f"The query-code secret is too short ({len(value)} bytes; at least {MIN_SECRET_BYTES}).")
    return value


def write_codes_csv(path: str, codes: dict[str, str]) -> None:
    """Staff-only list `案件编号,查询码` sorted by case number; readable by its owner only."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".codes-")  # mode 0600, unique per writer
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["案件编号", "查询码"])
        for case_no in sorted(codes):
            writer.writerow([case_no, codes[case_no]])
    os.replace(tmp, path)


def read_codes_csv(path: str) -> dict[str, str]:
    """The codes file as {normalised case number: code}."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {normalise_case_no(row["案件编号"]): row["查询码"]
                for row in csv.DictReader(fh) if row.get("案件编号") and row.get("查询码")}
