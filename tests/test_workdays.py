"""The due-time rule (shared/workdays.py) on the State Council's calendar: 2026's Spring
Festival and National Day with their 调休 working weekends, a year the package does not know
(weekends only), the warning time, and properties over any calendar."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.hotline.holidays import package_calendar
from shared.workdays import (
    WEEKENDS_ONLY,
    LimitUnit,
    OfficialCalendar,
    Pace,
    TimeLimit,
    add_working_days,
    due_at,
    nth_working_day,
    standing,
    warning_at,
    working_time,
)

BEIJING = ZoneInfo("Asia/Shanghai")
DAYS = LimitUnit.WORKING_DAYS


def bj(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BEIJING)


def days(n: int) -> TimeLimit:
    return TimeLimit(n, DAYS)


OFFICIAL = package_calendar()


@pytest.mark.parametrize(
    ("received", "n", "due"),
    [
        # National Day 2026: 1–7 October off; Sunday 20 September and Saturday 10 October work.
        (bj(2026, 9, 30, 10, 0), 1, bj(2026, 10, 8, 10, 0)),
        (bj(2026, 9, 30, 10, 0), 3, bj(2026, 10, 10, 10, 0)),  # the 调休 Saturday counts
        (bj(2026, 9, 30, 10, 0), 4, bj(2026, 10, 12, 10, 0)),  # Sunday 11th does not
        (bj(2026, 9, 19, 15, 0), 1, bj(2026, 9, 20, 15, 0)),  # the 调休 Sunday
        (bj(2026, 10, 3, 9, 0), 1, bj(2026, 10, 8, 9, 0)),  # received in the holiday
        (bj(2026, 9, 25, 18, 30), 4, bj(2026, 10, 8, 18, 30)),  # Mon 28, 29, 30 Sep, 8 Oct
        (bj(2026, 9, 25, 18, 30), 5, bj(2026, 10, 9, 18, 30)),
        # The Mid-Autumn Festival (Friday 25 September) just before it: 23, 24, 28, 29, 30.
        (bj(2026, 9, 22, 10, 0), 5, bj(2026, 9, 30, 10, 0)),
        # Spring Festival 2026: 15–23 February off; Saturdays 14 and 28 February work.
        (bj(2026, 2, 13, 16, 30), 1, bj(2026, 2, 14, 16, 30)),
        (bj(2026, 2, 13, 16, 30), 2, bj(2026, 2, 24, 16, 30)),
        (bj(2026, 2, 13, 16, 30), 5, bj(2026, 2, 27, 16, 30)),
        (bj(2026, 2, 13, 16, 30), 6, bj(2026, 2, 28, 16, 30)),
        (bj(2026, 2, 16, 8, 0), 1, bj(2026, 2, 24, 8, 0)),  # 初一 week: nothing until Tuesday
        # An ordinary week: a Friday evening's 5 working days end the next Friday.
        (bj(2026, 11, 27, 19, 45), 5, bj(2026, 12, 4, 19, 45)),
        # Just after midnight in Beijing (still the day before in UTC): Beijing's day counts.
        (bj(2026, 9, 30, 0, 30), 1, bj(2026, 10, 8, 0, 30)),
    ],
)
def test_working_days_on_the_2026_calendar(received, n, due):
    assert OFFICIAL.covers(2026)
    assert due_at(OFFICIAL, received, days(n)) == due.astimezone(UTC)


def test_a_limit_in_hours_is_calendar_hours_through_any_holiday():
    received = bj(2026, 9, 30, 22, 0)
    assert due_at(OFFICIAL, received, TimeLimit(4)) == bj(2026, 10, 1, 2, 0).astimezone(UTC)
    assert due_at(OFFICIAL, received, TimeLimit(120)) == (received + timedelta(hours=120))


def test_a_year_the_package_does_not_know_falls_back_to_weekends():
    assert not OFFICIAL.covers(2031)
    assert OFFICIAL.uncovered(date(2026, 12, 30), date(2027, 1, 5)) == [2027]
    # Friday 31 January 2031 (it would be the Spring Festival week): weekends only.
    received = bj(2031, 1, 31, 9, 0)
    assert due_at(OFFICIAL, received, days(1)) == bj(2031, 2, 3, 9, 0).astimezone(UTC)
    assert due_at(OFFICIAL, received, days(5)) == due_at(WEEKENDS_ONLY, received, days(5))


def test_the_holiday_table_makes_a_year_known():
    notice = OfficialCalendar(
        off=frozenset({date(2031, 2, 3)}), on=frozenset({date(2031, 2, 1)}), years=frozenset({2031})
    )
    assert notice.covers(2031)
    received = bj(2031, 1, 31, 9, 0)
    assert due_at(notice, received, days(1)) == bj(2031, 2, 1, 9, 0).astimezone(UTC)
    assert due_at(notice, received, days(2)) == bj(2031, 2, 4, 9, 0).astimezone(UTC)


def test_the_warning_is_at_80_percent_of_the_working_time():
    received = bj(2026, 9, 28, 10, 0)  # Monday; due: 29, 30 Sep, 8 Oct
    due = due_at(OFFICIAL, received, days(3))
    assert due == bj(2026, 10, 8, 10, 0).astimezone(UTC)
    assert working_time(OFFICIAL, received, due) == timedelta(hours=72)
    # 14 h of Monday + 24 h of Tuesday + 19.6 h of Wednesday = 57.6 h = 80 % of 72 h.
    assert warning_at(OFFICIAL, received, due, DAYS) == bj(2026, 9, 30, 19, 36).astimezone(UTC)
    hours = due_at(OFFICIAL, received, TimeLimit(10))
    assert warning_at(OFFICIAL, received, hours, LimitUnit.HOURS) == received + timedelta(hours=8)


def test_standing_says_time_left_warning_and_overdue():
    due = datetime(2026, 10, 8, 2, tzinfo=UTC)
    warn = due - timedelta(hours=10)
    assert standing(due - timedelta(days=3, hours=2), due, warn) == (
        standing(due - timedelta(days=3, hours=2), due, warn)
    )
    far = standing(due - timedelta(days=3, hours=2), due, warn)
    assert (far.pace, far.amount, far.unit) == (Pace.IN_TIME, 3, "days")
    near = standing(due - timedelta(hours=4, minutes=10), due, warn)
    assert (near.pace, near.amount, near.unit) == (Pace.WARNING, 5, "hours")
    late = standing(due + timedelta(minutes=10), due, warn)
    assert (late.pace, late.amount, late.unit) == (Pace.OVERDUE, 1, "hours")
    assert standing(due + timedelta(days=2), due, warn, closed=True).pace is Pace.CLOSED


# Properties over any calendar: random days off and working weekends, known or not.
day_in_span = st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 2, 1))
calendars = st.builds(
    OfficialCalendar,
    off=st.frozensets(day_in_span, max_size=60),
    on=st.frozensets(day_in_span, max_size=20),
    years=st.just(frozenset({2026})),
)
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
counts = st.integers(min_value=1, max_value=30)


@settings(max_examples=200, deadline=None)
@given(calendars, moments, counts)
def test_due_is_a_working_day_at_the_same_local_time(calendar, received, n):
    due = due_at(calendar, received, days(n)).astimezone(BEIJING)
    local = received.astimezone(BEIJING)
    assert calendar.is_workday(due.date())
    assert due.time() == local.time()
    # Exactly n working days after the day of receipt, up to and including the due day.
    between = [
        local.date() + timedelta(days=i) for i in range(1, (due.date() - local.date()).days + 1)
    ]
    assert sum(calendar.is_workday(d) for d in between) == n


@settings(max_examples=200, deadline=None)
@given(calendars, moments, moments, counts)
def test_due_is_monotone_in_receipt_time(calendar, a, b, n):
    first, second = sorted((a, b))
    assert due_at(calendar, first, days(n)) <= due_at(calendar, second, days(n))


@settings(max_examples=200, deadline=None)
@given(calendars, moments, counts)
def test_one_more_day_is_the_next_working_day(calendar, received, n):
    due_n = due_at(calendar, received, days(n))
    due_next = due_at(calendar, received, days(n + 1))
    assert due_next > due_n
    assert due_next == add_working_days(calendar, due_n, 1)
    # Adding working days composes: n, then m more, is n + m.
    assert add_working_days(calendar, due_n, 3) == due_at(calendar, received, days(n + 3))


@settings(max_examples=200, deadline=None)
@given(calendars, moments, counts)
def test_the_warning_lies_between_receipt_and_due(calendar, received, n):
    due = due_at(calendar, received, days(n))
    warn = warning_at(calendar, received, due, DAYS)
    assert received <= warn <= due
    total = working_time(calendar, received, due)
    if total:
        gone = working_time(calendar, received, warn)
        assert abs(gone - total * 0.8) < timedelta(seconds=1)


def test_nth_working_day_refuses_nonsense():
    with pytest.raises(ValueError):
        nth_working_day(WEEKENDS_ONLY, date(2026, 1, 1), 0)
    with pytest.raises(ValueError):
        TimeLimit(0, DAYS)
