"""Time limits on the official calendar: working days with the State Council's holidays and its
调休 working weekends, and calendar hours.

A limit in working days ends at the same local time of day on the n-th working day after the
day the request was received (a request received on a holiday or a weekend counts from that
day too: the first working day after it is day 1). A limit in hours is calendar hours. The
warning time (预警) is when 80 % of the limit is gone: of the working time for a limit in
working days (the hours of working days between receipt and due), of the calendar time for a
limit in hours.

The days are Beijing days (the calendar is the State Council's), whatever zone a person reads
times in. The calendar itself comes in as a value (`OfficialCalendar`): the server builds it
from the `chinese-calendar` package and its own holiday table; a year neither knows falls back
to weekends only (`covers` tells which years are known).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

CALENDAR_ZONE = ZoneInfo("Asia/Shanghai")
WARNING_SHARE = 0.8  # 预警: this share of the limit gone
MAX_DAYS = 3660  # no limit (with its extensions) reaches ten years of working days


class LimitUnit(StrEnum):
    HOURS = "hours"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class TimeLimit:
    """A category's time limit: so many calendar hours, or so many working days."""

    value: int
    unit: LimitUnit = LimitUnit.HOURS

    def __post_init__(self) -> None:
        if self.value < 1:
            raise ValueError("a time limit is at least 1")


@dataclass(frozen=True)
class OfficialCalendar:
    """Days off on weekdays (`off`: holidays) and working days at the weekend (`on`: 调休), and
    the years these lists are complete for. Any other day: Monday to Friday work."""

    off: frozenset[date] = frozenset()
    on: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()

    def is_workday(self, day: date) -> bool:
        if day in self.on:
            return True
        if day in self.off:
            return False
        return day.weekday() < 5

    def covers(self, year: int) -> bool:
        """Whether the official notice for `year` is known (else: weekends only)."""
        return year in self.years

    def uncovered(self, first: date, last: date) -> list[int]:
        """The years from `first` to `last` this calendar does not know."""
        return [y for y in range(first.year, last.year + 1) if y not in self.years]


WEEKENDS_ONLY = OfficialCalendar()


def nth_working_day(calendar: OfficialCalendar, after: date, n: int) -> date:
    """The n-th working day after the day `after` (n ≥ 1; `after` itself never counts)."""
    if n < 1:
        raise ValueError("count at least one working day")
    day, found = after, 0
    for _ in range(n * 7 + MAX_DAYS):
        day += timedelta(days=1)
        if calendar.is_workday(day):
            found += 1
            if found == n:
                return day
    raise ValueError("no such working day on this calendar")


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CALENDAR_ZONE)


def _at(day: date, clock: time) -> datetime:
    """`clock` on `day` in Beijing, as UTC."""
    return datetime.combine(day, clock, tzinfo=CALENDAR_ZONE).astimezone(UTC)


def add_working_days(calendar: OfficialCalendar, moment: datetime, n: int) -> datetime:
    """The same local time of day on the n-th working day after `moment`'s day (in UTC)."""
    local = _local(moment)
    return _at(nth_working_day(calendar, local.date(), n), local.time())


def due_at(calendar: OfficialCalendar, received: datetime, limit: TimeLimit) -> datetime:
    """When a request received at `received` is due, on this calendar (in UTC)."""
    if limit.unit is LimitUnit.HOURS:
        return _local(received).astimezone(UTC) + timedelta(hours=limit.value)
    return add_working_days(calendar, received, limit.value)


def _working_spans(
    calendar: OfficialCalendar, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The stretches of working days between `start` and `end` (UTC), in order."""
    spans: list[tuple[datetime, datetime]] = []
    day = _local(start).date()
    last = _local(end).date()
    while day <= last:
        if calendar.is_workday(day):
            lo = max(start, _at(day, time()))
            hi = min(end, _at(day + timedelta(days=1), time()))
            if hi > lo:
                spans.append((lo, hi))
        day += timedelta(days=1)
    return spans


def working_time(calendar: OfficialCalendar, start: datetime, end: datetime) -> timedelta:
    """How much of the time from `start` to `end` falls on working days."""
    start, end = _local(start).astimezone(UTC), _local(end).astimezone(UTC)
    return sum((hi - lo for lo, hi in _working_spans(calendar, start, end)), timedelta())


def warning_at(
    calendar: OfficialCalendar, received: datetime, due: datetime, unit: LimitUnit
) -> datetime:
    """When 80 % of the limit from `received` to `due` is gone (预警)."""
    start, end = _local(received).astimezone(UTC), _local(due).astimezone(UTC)
    if end <= start:
        return end
    if unit is LimitUnit.HOURS:
        return start + (end - start) * WARNING_SHARE
    spans = _working_spans(calendar, start, end)
    total = sum((hi - lo for lo, hi in spans), timedelta())
    if not total:
        return start + (end - start) * WARNING_SHARE
    left = total * WARNING_SHARE
    for lo, hi in spans:
        if hi - lo >= left:
            return lo + left
        left -= hi - lo
    return end


class Pace(StrEnum):
    """Where a request stands against its time limit."""

    IN_TIME = "in_time"
    WARNING = "warning"  # 预警: past warning_at, not yet due
    OVERDUE = "overdue"
    CLOSED = "closed"


@dataclass(frozen=True)
class Standing:
    """How a request stands against its limit: `pace`, and the time left (or over) in whole
    `unit`s ("days" from a day on, else "hours"; rounded up, so 10 minutes over is 1 hour)."""

    pace: Pace
    amount: int
    unit: str  # "hours" | "days"


def standing(
    now: datetime, due: datetime, warning: datetime | None, closed: bool = False
) -> Standing:
    """The request's standing at `now`: 剩余 X 小时/天, 预警, or 已超时 X 小时/天."""
    now, due = _local(now).astimezone(UTC), _local(due).astimezone(UTC)
    seconds = abs((due - now).total_seconds())
    hours = max(1, math.ceil(seconds / 3600))
    amount, unit = (hours // 24, "days") if hours >= 24 else (hours, "hours")
    if closed:
        return Standing(Pace.CLOSED, amount, unit)
    if now >= due:
        return Standing(Pace.OVERDUE, amount, unit)
    if warning is not None and now >= _local(warning).astimezone(UTC):
        return Standing(Pace.WARNING, amount, unit)
    return Standing(Pace.IN_TIME, amount, unit)
