"""Query codes: strength check, derivation, secret handling, the staff CSV."""

import csv
import os
import stat

import pytest

from pipeline import querycodes as qc


def test_derived_code_is_grouped_crockford_and_stable():
    a = qc.derive_code(b"k" * 32, "胶市监罚立〔2026〕12号")
    assert len(a) == 19 and a.count("-") == 3
    assert set(a.replace("-", "")) <= set(qc.CROCKFORD)
    # same case number typed differently -> same code; different secret or case -> different code
    assert qc.derive_code(b"k" * 32, "胶市监罚立[2026] 12号") == a
    assert qc.derive_code(b"j" * 32, "胶市监罚立〔2026〕12号") != a
    assert qc.derive_code(b"k" * 32, "胶市监罚立〔2026〕13号") != a
    assert qc.code_bits(a) >= 80


@pytest.mark.parametrize("code,strong", [
    ("123456", False),                 # 6 digits ~ 20 bits
    ("12345678901234567", False),      # 17 digits ~ 56 bits
    ("123456789012345678", False),     # 18 digits ~ 59.8 bits
    ("1234567890123456789", True),     # 19 digits ~ 63 bits
    ("AAAAAAAAAAAAAAAAAAAAAAAA", False),  # long but one symbol
    ("7KQ2-M9XR-4TZP", True),          # 12 alphanumerics ~ 60.5 bits
    ("7KQ2-M9XR-4TZ", False),
])
def test_strength_threshold(code, strong):
    assert (qc.code_bits(code) >= 60) is strong


def test_normalise_code_ignores_case_width_spaces_dashes_and_confusables():
    assert qc.normalise_code(" ab cd－ＥＦＧＨ-o1l ") == qc.normalise_code("ABCDEFGH011")


def test_assign_codes_keeps_strong_export_codes_and_replaces_weak_ones():
    secret = b"s" * 32
    codes, problems = qc.assign_codes(
        [("A-1", "7KQ2-M9XR-4TZP"), ("A-2", "123456"), ("A-3", None), ("A-4", "  ")], secret)
    assert codes["A-1"] == "7KQ2-M9XR-4TZP"
    assert codes["A-2"] == qc.derive_code(secret, "A-2")
    assert codes["A-3"] == qc.derive_code(secret, "A-3")
    assert codes["A-4"] == qc.derive_code(secret, "A-4")
    assert [p[0] for p in problems] == ["A-2"]
    assert "60" in problems[0][1]


def test_secret_from_env(monkeypatch, tmp_path):
    monkeypatch.delenv(qc.ENV_SECRET, raising=False)
    monkeypatch.delenv(qc.ENV_SECRET_FILE, raising=False)
    assert qc.secret_from_env(demo=True) == qc.DEMO_SECRET
    with pytest.raises(qc.MissingSecretError, match="GONGSHI_CODE_SECRET"):
        qc.secret_from_env(demo=False)
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(b"0123456789abcdef0123\n")
    monkeypatch.setenv(qc.ENV_SECRET_FILE, str(secret_file))
    assert qc.secret_from_env(demo=False) == b"0123456789abcdef0123"
    monkeypatch.setenv(qc.ENV_SECRET, "short")
    with pytest.raises(qc.MissingSecretError, match="too short"):
        qc.secret_from_env(demo=False)
    monkeypatch.setenv(qc.ENV_SECRET, "a-long-enough-secret-value")
    assert qc.secret_from_env(demo=False) == b"a-long-enough-secret-value"
    # demo builds never depend on the environment
    assert qc.secret_from_env(demo=True) == qc.DEMO_SECRET


def test_codes_csv_round_trip_is_sorted_and_private(tmp_path):
    path = tmp_path / "private" / "codes.csv"
    qc.write_codes_csv(str(path), {"B（2）": "CODE-2", "A（1）": "CODE-1"})
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["案件编号", "查询码"], ["A（1）", "CODE-1"], ["B（2）", "CODE-2"]]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert qc.read_codes_csv(str(path)) == {"A(1)": "CODE-1", "B(2)": "CODE-2"}
