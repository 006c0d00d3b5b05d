"""Working days across official holidays, adjusted weekends and the end of the known calendar."""

from datetime import date, timedelta

import chinese_calendar
import pytest

from pipeline.workdays import add_workdays, calendar_known, calendar_known_between, is_workday, workdays_between


def test_spring_festival_2026_holidays_and_adjusted_saturdays():
    # The official 2026 schedule as chinese_calendar has it: 15–23 Feb off, Sat 14 and Sat 28 Feb worked.
    for offset in range(9):
        d = date(2026, 2, 15) + timedelta(days=offset)
        assert chinese_calendar.is_holiday(d)
        assert not is_workday(d)
    assert date(2026, 2, 14).weekday() == 5 and is_workday(date(2026, 2, 14))
    assert date(2026, 2, 28).weekday() == 5 and is_workday(date(2026, 2, 28))


def test_add_workdays_jumps_over_spring_festival():
    assert add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)   # adjusted working Saturday
    assert add_workdays(date(2026, 2, 14), 1) == date(2026, 2, 24)
    # 7 working days (双公示 limit) from Fri 13 Feb: 14, 24, 25, 26, 27, 28 (Sat), 2 Mar.
    assert add_workdays(date(2026, 2, 13), 7) == date(2026, 3, 2)
    assert workdays_between(date(2026, 2, 13), date(2026, 3, 2)) == 7


@pytest.mark.parametrize("holiday_start, holiday_end, worked_weekend", [
    (date(2025, 10, 1), date(2025, 10, 8), [date(2025, 9, 28), date(2025, 10, 11)]),
    (date(2026, 10, 1), date(2026, 10, 7), [date(2026, 9, 20), date(2026, 10, 10)]),
])
def test_national_day(holiday_start, holiday_end, worked_weekend):
    d = holiday_start
    while d <= holiday_end:
        assert not is_workday(d), d
        d += timedelta(days=1)
    for w in worked_weekend:
        assert w.weekday() >= 5 and is_workday(w) == chinese_calendar.is_workday(w) is True
    # The first working day after the eve of the holiday is the day after it ends.
    assert add_workdays(holiday_start - timedelta(days=1), 1) == holiday_end + timedelta(days=1)
    assert workdays_between(holiday_start - timedelta(days=1), holiday_end) == 0


def test_calendar_range_and_unknown_years_count_monday_to_friday():
    assert calendar_known(date(2026, 12, 31))
    assert not calendar_known(date(2027, 1, 1))
    assert not calendar_known(date(2003, 6, 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    assert is_workday(date(2027, 1, 1))        # a Friday: unknown year, so Mon–Fri
    assert not is_workday(date(2027, 1, 2))    # Saturday
    assert not calendar_known_between(date(2026, 12, 1), date(2027, 2, 1))
    assert calendar_known_between(date(2025, 12, 1), date(2026, 2, 1))


def test_crossing_2026_to_2027_does_not_crash():
    # Thu 24 Dec 2026 + 5: Fri 25, Mon 28, Tue 29, Wed 30, Thu 31.
    assert add_workdays(date(2026, 12, 24), 5) == date(2026, 12, 31)
    assert add_workdays(date(2026, 12, 24), 6) == date(2027, 1, 1)
    assert add_workdays(date(2026, 12, 31), 3) == date(2027, 1, 5)
    assert workdays_between(date(2026, 12, 30), date(2027, 1, 5)) == 4
    # 90 days of working days from late 2026 land well inside 2027.
    end = add_workdays(date(2026, 11, 20), 90)
    assert end.year == 2027 and workdays_between(date(2026, 11, 20), end) == 90


def test_negative_and_zero():
    assert add_workdays(date(2026, 2, 24), -1) == date(2026, 2, 14)
    assert add_workdays(date(2026, 3, 3), 0) == date(2026, 3, 3)
    assert workdays_between(date(2026, 3, 2), date(2026, 2, 13)) == -7
    assert workdays_between(date(2026, 3, 2), date(2026, 3, 2)) == 0


def test_is_workday_equals_chinese_calendar_on_every_known_day():
    # is_workday applies chinese_calendar's rule itself for speed: the same answer on every day
    day = date(2004, 1, 1)
    while calendar_known(day):
        assert is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)
    assert day.year > 2025
