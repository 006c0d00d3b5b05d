"""The leak gate's fast paths never hide a hit the full detectors find.

Three shortcuts are checked against the slow way on tricky generated texts (hits glued to letters,
decimals, separators, each other, full-width digits): sanitize.find_personal_data's one-regex
pre-filter, the gate's candidate runs (leakgate._find), the skipped full-width translation, and
the worker processes of scan_tree.
"""

from __future__ import annotations

import random

import pytest

from pipeline import leakgate, sanitize
from pipeline.sanitize import id_check_digit


def _luhn(body: str) -> str:
    for d in "0123456789":
        total = 0
        for i, c in enumerate(reversed(body + d)):
            n = int(c)
            total += (n * 2 - 9 if n > 4 else n * 2) if i % 2 else n
        if total % 10 == 0:
            return body + d
    raise AssertionError


def _token(rng: random.Random) -> str:
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))
    first17 = rng.choice(["370281", "110101", "998877"]) + str(rng.randint(1930, 2015)) \
        + f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + digits(3)
    sep = lambda: rng.choice(["", " ", "-", "  "])
    return rng.choice([  # built lazily: only the chosen kind is computed
        lambda: first17 + id_check_digit(first17),                      # ID number
        lambda: first17 + rng.choice("0123456789X"),                    # mostly a bad check digit
        lambda: "370281" + f"{rng.randint(30, 99)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}" + digits(3),
        lambda: first17[:rng.randint(6, 10)] + "*" * rng.randint(4, 8) + digits(rng.randint(3, 4)),
        lambda: rng.choice(["", "+86", "+86 ", "0086-", "86"]) + "1" + rng.choice("3456789") + digits(1)
        + sep() + digits(4) + sep() + digits(4),                        # mobile
        lambda: sep().join(_luhn(rng.choice("3456") + digits(14))[i:i + 4] for i in range(0, 16, 4)),
        lambda: _luhn("6222" + digits(rng.choice([11, 13, 14]))),       # card, 16/18/19 digits
        lambda: digits(rng.randint(1, 20)),
        lambda: rng.choice(["91370281", "1137028"]) + digits(10),       # code-like runs
        lambda: rng.choice(["a", "X", "x", ".", "0.", ".5", "+", "-", "*", "**", " ", "\n", "\t", "号",
                            "电话", "\u3000", "Ｘ", "＊", "－"]),
    ])()


def _texts(seed: int, n: int, fullwidth: bool = False) -> list[str]:
    rng = random.Random(seed)
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    texts = []
    for _ in range(n):
        parts = [_token(rng) for _ in range(rng.randint(1, 6))]
        if fullwidth:
            parts = [p.translate(wide) if rng.random() < 0.3 else p for p in parts]
        texts.append("".join(p + rng.choice(["", "", " ", "，", "a", ".", "\n"]) for p in parts))
    return texts


@pytest.fixture(scope="module")
def texts():
    return _texts(1, 6000)


def test_the_inputs_carry_every_kind_of_hit(texts):
    kinds = {k for t in texts for k, _, _ in sanitize._find_personal_data(t)}
    assert kinds == {"id_number", "id_fragment", "mobile", "bank_card"}
    assert sum(bool(sanitize._find_personal_data(t)) for t in texts) > 2000


def test_find_personal_data_prefilter_hides_nothing(texts):
    for text in texts:
        assert sanitize.find_personal_data(text) == sanitize._find_personal_data(text), text


def test_candidate_runs_find_what_the_full_detectors_find(texts):
    for text in texts:
        assert leakgate._find(text) == sanitize._find_personal_data(text), text


def test_full_width_texts_are_translated_exactly_when_needed():
    texts = _texts(2, 3000, fullwidth=True)
    assert sum(bool(leakgate._FULLWIDTH_RE.search(t)) for t in texts) > 500
    for text in texts:
        assert leakgate.scan_text(text) == leakgate._scan(text.translate(leakgate._FULLWIDTH), "", False)
        data = text.encode("utf-8")
        assert leakgate._decoded(data) == (text, leakgate._FULLWIDTH_RE.search(text) is not None)


def test_worker_processes_give_the_serial_report(tmp_path):
    texts = _texts(3, 300, fullwidth=True)
    for i, text in enumerate(texts):
        folder = tmp_path / f"d{i % 7}"
        folder.mkdir(exist_ok=True)
        (folder / f"p{i}.html").write_text(text, encoding="utf-8")
    serial = leakgate.scan_tree(str(tmp_path), workers=1)
    assert len(serial) > 100
    assert leakgate.scan_tree(str(tmp_path), workers=2) == serial
    cache = str(tmp_path.parent / "verdicts.json")
    assert leakgate.scan_tree(str(tmp_path), cache, workers=2) == serial  # cold cache
    assert leakgate.scan_tree(str(tmp_path), cache, workers=2) == serial  # warm cache
