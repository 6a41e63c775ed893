"""The official calendar the time limits run on: the State Council's holidays and 调休 working
days from the `chinese-calendar` package, overridden and extended by the holiday table an admin
keeps (`HolidayDay`: the days of a new year's notice, entered when it is published). A year
neither knows falls back to weekends only, and the dashboard warns (`unknown_years`)."""

from datetime import date, datetime
from functools import cache

import chinese_calendar
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalogue.tables import ServiceCategory
from server.errors import Refusal
from server.hotline.tables import HolidayDay, HotlineRequest
from shared import workdays
from shared.levels import may_keep_calendar
from shared.permissions import Actor
from shared.workdays import LimitUnit, OfficialCalendar, TimeLimit


@cache
def package_calendar() -> OfficialCalendar:
    """What the installed `chinese-calendar` knows: its days off and 调休 working days, and
    the years it covers (those its holiday list names)."""
    off = frozenset(d for d in chinese_calendar.holidays if d.weekday() < 5)
    on = frozenset(chinese_calendar.workdays)  # working weekends (调休) only
    years = frozenset(d.year for d in chinese_calendar.holidays)
    return OfficialCalendar(off=off, on=on, years=years)


async def days(session: AsyncSession, year: int | None = None) -> list[HolidayDay]:
    """The holiday table's days (of one year), in order."""
    query = select(HolidayDay).order_by(HolidayDay.day)
    if year is not None:
        query = query.where(
            HolidayDay.day >= date(year, 1, 1), HolidayDay.day <= date(year, 12, 31)
        )
    return list((await session.scalars(query)).all())


async def official_calendar(session: AsyncSession) -> OfficialCalendar:
    """The package's calendar with the holiday table laid over it: a day in the table is what
    the table says; a year with a day in the table is known."""
    base = package_calendar()
    rows = await days(session)
    if not rows:
        return base
    named = {row.day for row in rows}
    on = {d for d in base.on if d not in named} | {r.day for r in rows if r.workday}
    off = {d for d in base.off if d not in named} | {r.day for r in rows if not r.workday}
    years = base.years | {r.day.year for r in rows}
    return OfficialCalendar(off=frozenset(off), on=frozenset(on), years=frozenset(years))


async def unknown_years(session: AsyncSession, now: datetime) -> list[int]:
    """This year and the next, those the calendar does not know (time limits there count
    weekends only): what the dashboard warns of."""
    calendar = await official_calendar(session)
    return [y for y in (now.year, now.year + 1) if not calendar.covers(y)]


async def put_day(
    session: AsyncSession, actor: Actor, day: date, workday: bool, name: str, now: datetime
) -> HolidayDay:
    """Enter (or correct) a day of the notice: admins only (403 otherwise)."""
    if not may_keep_calendar(actor):
        raise Refusal("forbidden", "Only an admin keeps the holiday calendar.")
    if not 2000 <= day.year <= 2200:
        raise Refusal("invalid_day", "The day must lie between 2000 and 2200.", 422)
    row = await session.get(HolidayDay, day)
    if row is None:
        row = HolidayDay(day=day, created_at=now)
        session.add(row)
    row.workday, row.name, row.created_by = workday, name.strip(), actor.user_id
    await session.flush()
    return row


async def drop_day(session: AsyncSession, actor: Actor, day: date) -> None:
    """Take a day out of the table (404 when it is not there)."""
    if not may_keep_calendar(actor):
        raise Refusal("forbidden", "Only an admin keeps the holiday calendar.")
    gone = await session.execute(delete(HolidayDay).where(HolidayDay.day == day))
    if not gone.rowcount:
        raise Refusal("not_found", "That day is not in the holiday table.", 404)


def time_limit(found: ServiceCategory) -> TimeLimit:
    """A category's time limit: working days when it has them, else calendar hours."""
    if found.time_limit_days:
        return TimeLimit(found.time_limit_days, LimitUnit.WORKING_DAYS)
    return TimeLimit(max(found.time_limit_hours, 1), LimitUnit.HOURS)


async def deadlines(
    session: AsyncSession, found: ServiceCategory, received: datetime
) -> tuple[datetime, datetime]:
    """(due_at, warning_at) of a request of this category received at `received`."""
    limit = time_limit(found)
    calendar = await official_calendar(session)
    due = workdays.due_at(calendar, received, limit)
    return due, workdays.warning_at(calendar, received, due, limit.unit)


def span_hours(request: HotlineRequest) -> float:
    """The request's whole limit, receipt to due, in hours: what the stage clocks take their
    shares of (`shared.requests.STAGE_SHARE`), so that they stay within the due time's scale
    whether the limit is in hours or working days (and grow with an approved extension)."""
    return max((request.due_at - request.received_at).total_seconds() / 3600, 0.25)
