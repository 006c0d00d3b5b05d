"""Synthetic identities: valid where the real ones are validated, never mistakable across kinds."""

import random
import re

from stdnum import luhn
from stdnum.cn import uscc

from pipeline import demo_people as people
from pipeline.demo_matters import fine_range, wan


def _id_check(number: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], weights)) % 11]


def test_credit_codes_valid_and_never_all_digits():
    rng = random.Random(1)
    for prefix in ("11", "12", "91", "92"):
        for _ in range(300):
            code = people.credit_code(rng, prefix)
            assert uscc.is_valid(code) and code.startswith(prefix + "370281")
            assert re.search(r"[A-Z]", code)
            assert not uscc.is_valid(people.break_check_digit(code))


def test_id_numbers_have_valid_check_digits_and_plausible_births():
    rng = random.Random(2)
    for _ in range(500):
        number = people.id_number(rng)
        assert len(number) == 18 and number[17] == _id_check(number)
        assert 1958 <= int(number[6:10]) <= 2003
    minor = people.natural_person(rng, minor=True).id_number
    assert 2010 <= int(minor[6:10]) <= 2012
    legacy = people.legacy_id_number(rng)
    assert len(legacy) == 15 and legacy.isdigit()
    assert re.fullmatch(r"\d{10}\*{4}\d{3}[\dX]", people.masked_id(rng))


def test_phones_cards_and_codes():
    rng = random.Random(3)
    assert all(re.fullmatch(r"1[3-9]\d{9}", people.mobile(rng)) for _ in range(100))
    assert all(re.fullmatch(r"0532-8\d{7}", people.landline(rng)) for _ in range(100))
    assert all(luhn.is_valid(people.bank_card(rng)) for _ in range(100))
    codes = {people.query_code(rng) for _ in range(1000)}
    assert len(codes) == 1000 and all(len(c) == 16 and set(c) <= set(people.CROCKFORD) for c in codes)
    assert len(people.CROCKFORD) == 32    # 16 symbols x 5 bits = 80 bits >= 60


def test_parties_by_kind():
    rng = random.Random(4)
    kinds = {people.party(rng, "market").kind for _ in range(300)}
    assert kinds == {"法人及非法人组织", "个体工商户", "自然人"}
    person = people.natural_person(rng)
    assert person.credit_code == "" and person.is_person and 2 <= len(person.name) <= 4
    assert people.sole_trader(rng).credit_code.startswith("92")


def test_same_seed_same_people():
    a, b = random.Random("x"), random.Random("x")
    assert [people.company(a, "industry") for _ in range(20)] == [people.company(b, "industry") for _ in range(20)]


def test_fine_ranges_and_wan():
    assert fine_range("并处五万元以上十万元以下罚款") == (50_000, 100_000)
    assert fine_range("处二千元以上二万元以下的罚款") == (2_000, 20_000)
    assert fine_range("处1万元以上5万元以下罚款") == (10_000, 50_000)
    assert fine_range("处货值金额十倍以上罚款") == (None, None)
    assert wan(2000) == "0.2" and wan(50000) == "5" and wan(123456) == "12.3456" and wan(150) == "0.015"
