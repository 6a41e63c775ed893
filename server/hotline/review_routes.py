"""HTTP: a department's return and the district's review of it, requests for more time
(延期申请) and their decisions, and the holiday table the time limits run on (admins)."""

from datetime import date
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from server.clock import utcnow
from server.deps import Caller, Session
from server.hotline import holidays, service
from server.hotline.schemas import (
    DecisionBody,
    ExtensionBody,
    ExtensionPublic,
    ReasonBody,
    RequestDetailPublic,
)


class HolidayDayPublic(msgspec.Struct, kw_only=True):
    """A day of the State Council's notice in the holiday table."""

    day: date  # the day (Beijing)
    workday: bool  # true: a 调休 working day; false: a day off
    name: str  # e.g. 春节


class HolidayBody(msgspec.Struct, forbid_unknown_fields=True):
    """A day to enter (or correct): off, or a 调休 working day."""

    workday: bool
    name: Annotated[str, msgspec.Meta(max_length=80)] = ""


class CalendarPublic(msgspec.Struct, kw_only=True):
    """The holiday table and which years the calendar knows."""

    days: list[HolidayDayPublic]  # the table's days, in order
    package_years: list[int]  # the years the chinese-calendar package covers
    unknown_years: list[int]  # this year and next, those neither covers (weekends only)


@post(
    "/api/v1/requests/{request_id:uuid}/return",
    tags=["hotline"],
    status_code=200,
    summary="A department returns a request; it waits in return_review for the district",
)
async def return_request(
    request_id: FromPath[UUID], data: JSONBody[ReasonBody], db_session: Session, principal: Caller
) -> RequestDetailPublic:
    request = await service.give_back(
        db_session, principal.actor, request_id, data.reason, utcnow()
    )
    return await service.detail(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/return/decision",
    tags=["hotline"],
    status_code=200,
    summary="The district approves a department's return (to the office) or refuses it",
)
async def decide_return(
    request_id: FromPath[UUID],
    data: JSONBody[DecisionBody],
    db_session: Session,
    principal: Caller,
) -> RequestDetailPublic:
    request = await service.decide_return(
        db_session, principal.actor, request_id, data.approve, data.reason, utcnow()
    )
    return await service.detail(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/extension",
    tags=["hotline"],
    status_code=201,
    summary="The level holding a request asks for more working days (延期申请)",
)
async def ask_extension(
    request_id: FromPath[UUID],
    data: JSONBody[ExtensionBody],
    db_session: Session,
    principal: Caller,
) -> ExtensionPublic:
    row = await service.ask_extension(
        db_session, principal.actor, request_id, data.days, data.reason, utcnow()
    )
    return ExtensionPublic.from_row(row)


@post(
    "/api/v1/requests/{request_id:uuid}/extension/decision",
    tags=["hotline"],
    status_code=200,
    summary="The level above approves (the due time moves) or refuses an extension",
)
async def decide_extension(
    request_id: FromPath[UUID],
    data: JSONBody[DecisionBody],
    db_session: Session,
    principal: Caller,
) -> RequestDetailPublic:
    request = await service.decide_extension(
        db_session, principal.actor, request_id, data.approve, data.reason, utcnow()
    )
    return await service.detail(db_session, request)


async def _calendar(db_session, year: int | None) -> CalendarPublic:
    rows = await holidays.days(db_session, year)
    return CalendarPublic(
        days=[HolidayDayPublic(day=r.day, workday=r.workday, name=r.name) for r in rows],
        package_years=sorted(holidays.package_calendar().years),
        unknown_years=await holidays.unknown_years(db_session, utcnow()),
    )


@get("/api/v1/holidays", tags=["hotline"], summary="The holiday table the time limits run on")
async def holiday_table(
    db_session: Session,
    principal: Caller,
    year: Annotated[int | None, QueryParameter(ge=2000, le=2200)] = None,
) -> CalendarPublic:
    return await _calendar(db_session, year)


@put(
    "/api/v1/holidays/{day:date}",
    tags=["hotline"],
    status_code=200,
    summary="An admin enters a day of a new year's notice (a holiday or a 调休 working day)",
)
async def put_holiday(
    day: FromPath[date], data: JSONBody[HolidayBody], db_session: Session, principal: Caller
) -> HolidayDayPublic:
    row = await holidays.put_day(
        db_session, principal.actor, day, data.workday, data.name, utcnow()
    )
    return HolidayDayPublic(day=row.day, workday=row.workday, name=row.name)


@delete(
    "/api/v1/holidays/{day:date}",
    tags=["hotline"],
    status_code=204,
    summary="An admin takes a day out of the holiday table",
)
async def drop_holiday(day: FromPath[date], db_session: Session, principal: Caller) -> None:
    await holidays.drop_day(db_session, principal.actor, day)


ROUTES = [
    return_request,
    decide_return,
    ask_extension,
    decide_extension,
    holiday_table,
    put_holiday,
    drop_holiday,
]
__all__ = ["ROUTES"]
