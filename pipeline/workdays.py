"""Working-day arithmetic on the official Chinese holiday calendar.

`chinese_calendar` knows official holidays and adjusted working weekends (调休) for a fixed range of
years only (2004–2026 in 1.11.0) and raises NotImplementedError outside it. Deadlines run past the
end of the known calendar (a 90-day limit from late 2026 does), so beyond that range we count plain
Monday–Friday and expose `calendar_known()` so pages can say the next year's holiday schedule is
not yet published — never crash, never pretend.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from chinese_calendar.constants import holidays as _CC_HOLIDAYS, workdays as _CC_WORKDAYS


def calendar_known(d: date) -> bool:
    """True when the official holiday schedule of d's year is known to chinese_calendar."""
    return _year_known(d.year)


@lru_cache(maxsize=None)
def _year_known(year: int) -> bool:
    # once per year, not per day: chinese_calendar's check costs ~20 µs
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=65536)
def is_workday(d: date) -> bool:
    """Official working day; Monday–Friday when the year's schedule is not (yet) known."""
    if calendar_known(d):
        if type(d) is date:
            # chinese_calendar.is_workday's own rule, without its check of the year on every call
            # (a min and max over all its holidays, ~20 µs: most of a statistics build's calendar
            # time); calendar_known has checked the year (tests compare every known day)
            return d in _CC_WORKDAYS or (d.weekday() <= 4 and d not in _CC_HOLIDAYS)
        return chinese_calendar.is_workday(d)
    return d.weekday() < 5


def add_workdays(d: date, n: int) -> date:
    """The date n working days after d (n < 0: before d). n == 0 returns d unchanged.

    Counting starts the day after d, so a decision on a Friday with a 7-working-day limit ends on
    the seventh working day after it, as 行政处罚法 counts "日" for short limits.
    """
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    current = d
    while remaining:
        current += timedelta(days=step)
        if is_workday(current):
            remaining -= 1
    return current


def workdays_between(start: date, end: date) -> int:
    """Working days after start up to and including end; negative when end is before start."""
    if end < start:
        return -workdays_between(end, start)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_workday(current):
            count += 1
    return count


def calendar_known_between(start: date, end: date) -> bool:
    """True when every year touched by [start, end] has a known holiday schedule."""
    lo, hi = min(start, end), max(start, end)
    return all(calendar_known(date(y, 1, 1)) for y in range(lo.year, hi.year + 1))
