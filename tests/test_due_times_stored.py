"""Due and warning times as the server stores and answers them (issue 22), counted by hand on
the State Council's 2026 calendar: a request received before the Spring Festival, one whose
extension is approved across the Mid-Autumn Festival and National Day (the days added are
working days, a 调休 Saturday among them), and one in a year the package does not know
(weekends only). Both databases, read back through the API."""

from datetime import UTC, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.auth.tables import User
from server.hotline import service as hotline
from server.org.service import all_units
from shared.enums import Role
from shared.permissions import Actor

BEIJING = ZoneInfo("Asia/Shanghai")
CALL = {
    "channel": "phone",
    "caller_name": "冯玉兰",
    "caller_phone": "13900002222",
    "address": "幸福区某路18号",
    "description": "想找一份社区保洁的工作",
}


def bj(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BEIJING)


def _at(answer: str) -> datetime:
    """A time as the API answers it (RFC 3339 in UTC with a Z)."""
    moment = datetime.fromisoformat(answer.replace("Z", "+00:00"))
    assert moment.utcoffset() == UTC.utcoffset(None)
    return moment


async def _actors(api) -> dict[str, Actor]:
    async with api.runtime.sessions() as session:
        units = await all_units(session)
        users = (
            await session.scalars(
                select(User).where(User.username.in_(("dispatcher", "dept_water")))
            )
        ).all()
        return {
            u.username: Actor(u.id, Role(u.role), units[u.org_unit_id].path, None, u.department_id)
            for u in users
        }


async def _received(api, actor: Actor, category: str, when: datetime) -> UUID:
    async with api.runtime.sessions() as session, session.begin():
        made = await hotline.create(session, actor, {**CALL, "category_code": category}, when)
        return made.id


async def _times(who, rid: UUID) -> tuple[datetime, datetime]:
    shown = (await who.get(f"/api/v1/requests/{rid}")).json()
    return _at(shown["due_at"]), _at(shown["warning_at"])


async def test_spring_festival_the_due_and_the_warning_time(api):
    dispatcher = await api.login("dispatcher")
    actors = await _actors(api)
    # Friday 13 February 2026 16:30, 5 working days (就业推荐): Saturday 14th works (调休),
    # 15–23 are off, then 24, 25, 26, 27 February.
    rid = await _received(api, actors["dispatcher"], "jobs.placement", bj(2026, 2, 13, 16, 30))
    due, warning = await _times(dispatcher, rid)
    assert due == bj(2026, 2, 27, 16, 30)
    # Working time 7.5 + 24 + 72 + 16.5 = 120 h; 80 % = 96 h: 7.5 (13th) + 24 (14th)
    # + 24 (24th) + 24 (25th) + 16.5 h into the 26th.
    assert warning == bj(2026, 2, 26, 16, 30)


async def test_an_extension_across_national_day_adds_working_days(api):
    dispatcher, water = await api.login("dispatcher"), await api.login("dept_water")
    actors = await _actors(api)
    # Tuesday 22 September 2026 10:00, 5 working days: 23, 24, 28, 29, 30 September (Friday
    # 25th is the Mid-Autumn Festival; Saturday 26th is no 调休 day).
    received = bj(2026, 9, 22, 10, 0)
    rid = await _received(api, actors["dispatcher"], "jobs.placement", received)
    assert (await _times(dispatcher, rid))[0] == bj(2026, 9, 30, 10, 0)
    async with api.runtime.sessions() as session, session.begin():
        await hotline.dispatch(
            session, actors["dispatcher"], rid, None, "DEP01", bj(2026, 9, 22, 10, 5)
        )
        await hotline.ask_extension(
            session, actors["dept_water"], rid, 3, "等待企业回复", bj(2026, 9, 29, 9, 0)
        )
        await hotline.decide_extension(
            session, actors["dispatcher"], rid, True, "同意", bj(2026, 9, 29, 11, 0)
        )
    # Three working days after 30 September: 8, 9 and Saturday 10 October (调休); 1–7 are off.
    due, warning = await _times(water, rid)
    assert due == bj(2026, 10, 10, 10, 0)
    # The warning is computed again over the new span: 14 h of the 22nd, 24 h each of the
    # 23rd, 24th, 28th, 29th, 30th, 8th and 9th, 10 h of the 10th = 192 h; 80 % is 153.6 h:
    # 14 + 5 × 24 = 134 h by the end of 30 September, then 19.6 h into 8 October.
    assert warning == bj(2026, 10, 8, 19, 36)
    steps = [e["action"] for e in (await water.get(f"/api/v1/requests/{rid}")).json()["timeline"]]
    assert steps[-2:] == ["extension_asked", "extension_approved"]


async def test_a_year_the_package_does_not_know_counts_weekends_only(api):
    dispatcher = await api.login("dispatcher")
    actors = await _actors(api)
    listed = (await dispatcher.get("/api/v1/holidays", params={"year": 2031})).json()
    assert 2031 not in listed["package_years"] and listed["days"] == []
    # Friday 31 January 2031 09:00, 3 working days (家政保洁): Monday to Wednesday, although
    # the week will be the Spring Festival's once the notice is published.
    received = bj(2031, 1, 31, 9, 0)
    rid = await _received(api, actors["dispatcher"], "household.cleaning", received)
    assert (await _times(dispatcher, rid))[0] == bj(2031, 2, 5, 9, 0)
