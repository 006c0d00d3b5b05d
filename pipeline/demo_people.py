"""Synthetic identities for the demo exports: names, check-digit-valid ID numbers and credit codes,
phone numbers, companies and sole traders. All random from the caller's seeded RNG.

Every generated credit code contains at least one letter, so no 统一社会信用代码 can be mistaken for
an 18-digit ID number by the leak gate; ID numbers and phone numbers only ever go into columns the
pipeline must drop or scrub.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from stdnum.cn import ric, uscc

from pipeline import demo_pools as pools

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"   # 32 symbols: 5 bits each


def person_name(rng: random.Random) -> str:
    surname = (rng.choice(pools.COMPOUND_SURNAMES) if rng.random() < 0.02
               else rng.choice(pools.SURNAMES))
    given = "".join(rng.choice(pools.GIVEN_CHARS) for _ in range(1 if rng.random() < 0.35 else 2))
    return surname + given


def credit_code(rng: random.Random, prefix: str) -> str:
    """18-char 统一社会信用代码 `prefix`(2) + area + 9-char organisation part + check digit.

    Companies and sole traders registered since 2015 carry `MA…` organisation parts; organs keep
    numeric parts ending in a letter check character.
    """
    if prefix in ("11", "12"):
        org = "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(USCC_LETTERS)
    else:
        org = "MA" + "".join(rng.choice(USCC_CHARS) for _ in range(6)) + rng.choice(USCC_LETTERS)
    body = prefix + pools.AREA_CODE + org
    return body + uscc.calc_check_digit(body)


def break_check_digit(code: str) -> str:
    """The same code with a wrong check digit (a deliberately bad row)."""
    wrong = USCC_CHARS[(USCC_CHARS.index(code[-1]) + 7) % len(USCC_CHARS)]
    return code[:-1] + wrong


def id_number(rng: random.Random, born_from: int = 1958, born_to: int = 2003) -> str:
    """A check-digit-valid 18-digit 居民身份证号码 (synthetic)."""
    birth = date(born_from, 1, 1) + timedelta(days=rng.randrange((date(born_to, 12, 31) - date(born_from, 1, 1)).days))
    body = rng.choice(pools.OTHER_AREA_CODES) + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")   # stdnum expects a placeholder check digit


def masked_id(rng: random.Random) -> str:
    """A masked ID fragment as staff sometimes type it: 3702811991****5971."""
    full = id_number(rng)
    return full[:10] + "****" + full[14:]


def legacy_id_number(rng: random.Random) -> str:
    """A 15-digit first-generation ID number (no check digit): area + yymmdd + sequence."""
    full = id_number(rng)
    return full[:6] + full[8:14] + full[14:17]


def bank_card(rng: random.Random) -> str:
    """A Luhn-valid 16-digit bank card number (synthetic, 62… UnionPay range)."""
    body = "62" + "".join(rng.choice("0123456789") for _ in range(13))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def mobile(rng: random.Random) -> str:
    return rng.choice(("13", "15", "17", "18", "19")) + f"{rng.randrange(10**9):09d}"


def landline(rng: random.Random) -> str:
    return f"0532-8{rng.randrange(10**6, 10**7)}"


def query_code(rng: random.Random, length: int = 16) -> str:
    """16 Crockford base-32 symbols = 80 bits from the seeded RNG."""
    return "".join(rng.choice(CROCKFORD) for _ in range(length))


@dataclass(frozen=True)
class Party:
    name: str
    kind: str               # 法人及非法人组织 / 个体工商户 / 自然人
    credit_code: str        # '' for natural persons
    legal_rep: str          # 法定代表人 / 经营者 / the person themself
    id_number: str          # of the legal representative, operator or person
    phone: str

    @property
    def is_person(self) -> bool:
        return self.kind == "自然人"


def _trade_name(rng: random.Random) -> str:
    return rng.choice(pools.TRADE_CHARS) + rng.choice(pools.TRADE_CHARS)


def company(rng: random.Random, industry: str) -> Party:
    place = rng.choice((pools.COUNTY, pools.COUNTY, "青岛"))
    name = place + _trade_name(rng) + rng.choice(pools.INDUSTRIES[industry])
    return Party(name, "法人及非法人组织", credit_code(rng, "91"), person_name(rng), id_number(rng), mobile(rng))


def sole_trader(rng: random.Random) -> Party:
    name = pools.COUNTY + rng.choice(pools.TOWNS) + _trade_name(rng) + rng.choice(pools.SHOPS)
    return Party(name, "个体工商户", credit_code(rng, "92"), person_name(rng), id_number(rng), mobile(rng))


def natural_person(rng: random.Random, minor: bool = False) -> Party:
    name = person_name(rng)
    ident = id_number(rng, 2010, 2012) if minor else id_number(rng)
    return Party(name, "自然人", "", name, ident, mobile(rng))


def party(rng: random.Random, industry: str, person_share: float = 0.15, trader_share: float = 0.35) -> Party:
    roll = rng.random()
    if roll < person_share:
        return natural_person(rng, minor=rng.random() < 0.01)
    if roll < person_share + trader_share:
        return sole_trader(rng)
    return company(rng, industry)
