"""`python -m pipeline demo --out DIR [--scale N] [--seed S]`: synthetic exports for a county like 胶州市.

Writes one file per table in the formats real platforms hand out (xlsx, CSV in UTF-8, UTF-8 with
BOM or GB18030, JSON), with the domain §2 Chinese headers (penalties partly as 双公示 column codes),
plus a sources.yaml marked `demo: true`. Everything is derived from random.Random(seed) and the law
texts, relative to the demo as-of date 2026-11-20, so the same seed gives byte-identical files.

The data deliberately contains what the pipeline must handle: natural persons with ID and phone
numbers in free text, 个体工商户, expired / withdrawn / repaired / simple-procedure / warning-only
penalties, decisions expiring the day after the as-of date, late disclosure (including around the
2026 Spring Festival), late case entry, overdue and pending cases, major decisions without legal
review, and a handful of bad rows (see BAD_ROWS).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections import Counter
from datetime import date

import yaml

from pipeline import demo_pools as pools
from pipeline.demo_cases import (AS_OF, CASE_HEADER, EVENT_HEADER, PENALTY_CODES, PENALTY_HEADER,
                                 SPRING_FESTIVAL_DECISION, CaseFactory, Numbering, case_row, event_rows,
                                 number_cases, penalty_row)
from pipeline.demo_matters import MatterBook, wan
from pipeline.demo_people import break_check_digit
from pipeline.demo_registry import (AGENCY_HEADER, MAJOR_HEADER, MATTER_HEADER, OFFICER_HEADER, PERMIT_HEADER,
                                    SUPERVISION_HEADER, UNKNOWN_BODY, Agencies, blacklist_records,
                                    major_rows, make_officers, matter_rows, officer_rows, permit_rows,
                                    supervision_rows)
from pipeline.demo_write import write_csv, write_json, write_xlsx
from pipeline.laws import load_library

HELP = "Write deterministic synthetic demo exports (a county like 胶州市, as of 2026-11-20) and a sources.yaml."
DEFAULT_SEED = 20261120
BASE_COUNTS = {"cases": 2500, "major_decisions": 1750, "permits": 2100, "blacklist": 160}

# file name, table, encoding (None for spreadsheets/JSON), sheet
FILES = (
    ("agencies.xlsx", "agencies", None, "执法主体"),
    ("officers.csv", "officers", "utf-8-sig", None),
    ("matters.csv", "matters", "utf-8", None),
    ("major_decisions.xlsx", "major_decisions", None, "重大执法决定法制审核目录"),
    ("cases.csv", "cases", "gb18030", None),
    ("case_events.csv", "case_events", "gb18030", None),
    ("penalties.csv", "penalties", "gb18030", None),
    ("permits.xlsx", "permits", None, "行政许可"),
    ("blacklist.json", "blacklist", None, None),
    ("supervision.csv", "supervision", "utf-8", None),
)
# What the bad rows are, for people reading the demo report (and for the tests).
BAD_ROWS = {
    "officers.csv": f"所属主体“{UNKNOWN_BODY}”不存在",
    "cases.csv": "一行缺立案日期",
    "penalties.csv": "一行统一社会信用代码校验位错误；一行缺处罚决定日期；一个决定书文号重复且内容冲突",
    "permits.xlsx": "一行与另一行完全相同",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="build/demo-exports", help="output folder (default: build/demo-exports)")
    parser.add_argument("--scale", type=int, default=1,
                        help="multiply cases, major decisions, permits and blacklist entries (default 1)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    counts = generate(args.out, scale=args.scale, seed=args.seed)
    summary = ", ".join(f"{k} {v}" for k, v in counts.items())
    print(f"demo exports in {args.out} ({time.perf_counter() - start:.1f} s): {summary}")
    return 0


def _rng(seed: int, part: str) -> random.Random:
    """One generator per table, so scaling one table leaves the others unchanged."""
    return random.Random(f"{seed}:{part}")


def _special_cases(factory: CaseFactory) -> list:
    """Fixed-date cases the publication rules and figures must get right."""
    market = pools.BODIES[0]
    org = "法人及非法人组织"
    special = [
        # decided the Friday before the 2026 Spring Festival: online on the 7th working day (on time)
        # and on the 8th (late) — 17 and 18 calendar days later
        factory.make(body=market, filed=date(2025, 12, 22), procedure="普通程序", party_kind=org, major=False,
                     decision=SPRING_FESTIVAL_DECISION, disclosed_after=7),
        factory.make(body=market, filed=date(2025, 12, 23), procedure="普通程序", party_kind=org, major=False,
                     decision=SPRING_FESTIVAL_DECISION, disclosed_after=8),
    ]
    # publication ends the day after the as-of date (still public on 2026-11-20), and one ending on it
    for filed, end in ((date(2025, 9, 1), date(2026, 11, 21)), (date(2025, 9, 2), date(2026, 11, 21)),
                       (date(2025, 9, 3), date(2026, 11, 21)), (date(2025, 9, 4), date(2026, 11, 20))):
        special.append(factory.make(body=market, filed=filed, procedure="普通程序", party_kind=org, major=False,
                                    decision=date(2025, 11, 21), end_date=end))
    # pending past the 90-day limit: stuck after 告知
    for i, body in enumerate(pools.BODIES[:4]):
        special.append(factory.make(body=body, filed=date(2026, 5, 6 + i), procedure="普通程序", stalled=True))
    for case in special:
        if case.penalty:
            case.penalty.update(status="公示中", status_date=None, reason="", notice=None, note="")
    return special


def _make_cases(book: MatterBook, officers, seed: int, count: int) -> list:
    named = {k: [(n, c) for n, c, _ in v] for k, v in officers.items()}
    factory = CaseFactory(book, named, _rng(seed, "cases"))
    special = _special_cases(factory)
    cases = special + [factory.make() for _ in range(count - len(special))]
    cases.sort(key=lambda c: c.filed)    # stable: same-day cases keep their drawing order
    number_cases(cases)
    return cases


def _penalty_rows(cases: list, codes: dict[str, str]) -> list[list]:
    rows = [penalty_row(c, codes) for c in cases if c.penalty]
    rows.sort(key=lambda r: (r[19], r[10]))
    header = PENALTY_HEADER
    col = {name: i for i, name in enumerate(header)}
    companies = [i for i, r in enumerate(rows) if r[col["CF_XDR_LB"]] == "法人及非法人组织"]
    # bad rows: a broken credit code, a missing decision date, a conflicting duplicate decision number
    broken = rows[companies[len(companies) // 4]]
    broken[col["CF_XDR_SHXYM"]] = break_check_digit(broken[col["CF_XDR_SHXYM"]])
    rows[companies[len(companies) // 2]][col["CF_JDRQ"]] = ""
    duplicate = list(rows[companies[3 * len(companies) // 4]])
    duplicate[col["CF_NR_FK"]] = wan(123_000)
    duplicate[col["处罚内容"]] = "1.罚款人民币123000元。"
    rows.insert(companies[3 * len(companies) // 4] + 1, duplicate)
    return rows


def _case_rows(cases: list):
    for i, case in enumerate(cases):
        row = case_row(case)
        if i == len(cases) // 3:     # bad row: no 立案日期
            row[CASE_HEADER.index("立案日期")] = ""
        yield row


def _all_events(cases: list):
    for case in cases:
        yield from event_rows(case)


def _sources_yaml(out: str) -> None:
    sources = []
    for name, table, encoding, sheet in FILES:
        entry = {"path": name, "table": table}
        if encoding:
            entry["encoding"] = encoding
        if sheet:
            entry["sheet"] = sheet
        if table == "penalties":
            entry["columns"] = dict(PENALTY_CODES)
        sources.append(entry)
    doc = {"demo": True, "as_of": AS_OF.isoformat(), "sources": sources}
    header = ("# Synthetic demo exports written by `python -m pipeline demo` — not real data.\n"
              "# Deliberately bad rows (to be quarantined): "
              + "; ".join(f"{k}: {v}" for k, v in BAD_ROWS.items()) + "\n")
    with open(os.path.join(out, "sources.yaml"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(header)
        yaml.safe_dump(doc, fh, allow_unicode=True, sort_keys=False)


def generate(out: str, *, scale: int = 1, seed: int = DEFAULT_SEED, laws_dir: str | None = None) -> dict[str, int]:
    """Write every demo export into `out`; returns the number of data rows per table."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    os.makedirs(out, exist_ok=True)
    library = load_library(laws_dir)
    book = MatterBook(library)
    agencies = Agencies(_rng(seed, "agencies"))
    officers = make_officers(_rng(seed, "officers"))
    cases = _make_cases(book, officers, seed, BASE_COUNTS["cases"] * scale)
    path = lambda name: os.path.join(out, name)  # noqa: E731
    counts = {
        "agencies": write_xlsx(path("agencies.xlsx"), FILES[0][3], AGENCY_HEADER, agencies.rows()),
        "officers": write_csv(path("officers.csv"), OFFICER_HEADER,
                              officer_rows(officers, agencies, _rng(seed, "officer-refs")), "utf-8-sig"),
        "matters": write_csv(path("matters.csv"), MATTER_HEADER, matter_rows(book, agencies), "utf-8"),
        "major_decisions": write_xlsx(path("major_decisions.xlsx"), FILES[3][3], MAJOR_HEADER,
                                      major_rows(book, _rng(seed, "major"), BASE_COUNTS["major_decisions"] * scale)),
        "cases": write_csv(path("cases.csv"), CASE_HEADER, _case_rows(cases), "gb18030"),
        "case_events": write_csv(path("case_events.csv"), EVENT_HEADER, _all_events(cases), "gb18030"),
        "penalties": write_csv(path("penalties.csv"), PENALTY_HEADER, _penalty_rows(cases, agencies.codes),
                               "gb18030"),
        "permits": write_xlsx(path("permits.xlsx"), FILES[7][3], PERMIT_HEADER,
                              permit_rows(book, agencies, _rng(seed, "permits"), BASE_COUNTS["permits"] * scale,
                                          Numbering())),
        "blacklist": write_json(path("blacklist.json"),
                                blacklist_records(book, library, _rng(seed, "blacklist"),
                                                  BASE_COUNTS["blacklist"] * scale, Numbering())),
    }
    per_year = Counter(c.filed.year for c in cases)
    counts["supervision"] = write_csv(path("supervision.csv"), SUPERVISION_HEADER,
                                      supervision_rows(per_year, _rng(seed, "supervision")), "utf-8")
    _sources_yaml(out)
    return counts
