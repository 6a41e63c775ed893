"""GET /api/v1/stats against a hand-counted fixture: five requests received on the local days
2026-03-02…04 (and two just outside), built through the hotline's service functions at the
times they happened; each expected figure below is counted by hand from the story."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.auth.tables import User
from server.hotline import service as hotline
from server.hotline.schemas import CallbackBody
from server.hotline.stats import taken_up
from server.hotline.tables import RequestEvent
from server.org.tables import OrgUnit
from shared.enums import Role
from shared.permissions import Actor

PLACED = "和平春晖社区幸福路1号"  # in community D01-S01-C01, subdistrict D01-S01
NOWHERE = "城外某路1号"  # placed in no community
MIN = timedelta(minutes=1)


async def _actor(session, username: str) -> Actor:
    user = await session.scalar(select(User).where(User.username == username))
    unit = await session.get(OrgUnit, user.org_unit_id)
    return Actor(user.id, Role(user.role), unit.path, None, user.department_id)


def _call(phone: str, address: str, channel: str = "phone") -> dict:
    return {
        "channel": channel,
        "caller_name": "测试来电人",
        "caller_phone": phone,
        "address": address,
        "category_code": "repair.water",  # 4 hours; the response time is 10 %: 24 minutes
        "description": "水管漏水",
    }


async def _worked(session, desk, water, rid, start, accept, closing) -> None:
    """Sent to the water department `accept` after `start`+5 min…, told at `closing`."""
    await hotline.dispatch(session, desk, rid, None, "DEP01", start + 5 * MIN)
    await hotline.accept(session, water, rid, start + 5 * MIN + accept)
    await hotline.resolve(session, water, rid, "修好了", closing - 30 * MIN)
    await hotline.verify(session, desk, rid, "approve", None, closing - 20 * MIN)
    await hotline.give_feedback(session, desk, rid, "已告知", closing - 10 * MIN)


def _local(day: int, hour: int, minute: int = 0) -> datetime:
    """2026-03-`day` at that local time (UTC+8), in UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def _callback(reached=True, resolved=None, satisfied=None) -> CallbackBody:
    return CallbackBody(
        method="phone", reached=reached, resolved=resolved, satisfied=satisfied, note=""
    )


async def _fixture(api) -> None:
    async with api.runtime.sessions() as session, session.begin():
        desk, water = await _actor(session, "dispatcher"), await _actor(session, "dept_water")
        # A: just after local midnight on the 2nd (the 1st in UTC); on time, callback solved.
        t = _local(2, 0, 10)
        a = (await hotline.create(session, desk, _call("13600000001", PLACED), t)).id
        await _worked(session, desk, water, a, t, 5 * MIN, t + 90 * MIN)
        await hotline.rate_as_manager(session, desk, a, 5, "", t + 90 * MIN)
        await hotline.call_back(
            session, desk, a, _callback(resolved=True, satisfied=True), t + 120 * MIN
        )
        # B: taken up late (60 min), rated 2 (复核), worked again, rated 4 after its due time;
        # one call-back that reached nobody.
        t = _local(2, 10)
        b = (await hotline.create(session, desk, _call("13600000002", PLACED), t)).id
        await _worked(session, desk, water, b, t, 60 * MIN, t + 150 * MIN)
        await hotline.rate_as_manager(session, desk, b, 2, "", t + 150 * MIN)
        await hotline.accept(session, water, b, t + 180 * MIN)
        await hotline.resolve(session, water, b, "再次维修", t + 210 * MIN)
        await hotline.verify(session, desk, b, "approve", None, t + 220 * MIN)
        await hotline.give_feedback(session, desk, b, "已告知", t + 230 * MIN)
        await hotline.rate_as_manager(session, desk, b, 4, "", t + 300 * MIN)
        await hotline.call_back(session, desk, b, _callback(reached=False), t + 360 * MIN)
        # C: A's caller again about the same category, on the web: a repeat, merged into A.
        t = _local(3, 9)
        c = await hotline.create(session, desk, _call("13600000001", PLACED, "web"), t)
        assert c.repeat_of == a
        await hotline.merge(session, desk, c.id, a, t + 10 * MIN)
        # D: sent to the department, never taken up.
        t = _local(3, 14)
        d = (await hotline.create(session, desk, _call("13600000003", NOWHERE), t)).id
        await hotline.dispatch(session, desk, d, None, "DEP01", t + 5 * MIN)
        # E: closed on time by a rating of 5, then unsatisfied and unsolved at 回访: 复核.
        t = _local(4, 8)
        e = (await hotline.create(session, desk, _call("13600000004", NOWHERE), t)).id
        await _worked(session, desk, water, e, t, 10 * MIN, t + 60 * MIN)
        await hotline.rate_as_manager(session, desk, e, 5, "", t + 60 * MIN)
        await hotline.call_back(
            session, desk, e, _callback(resolved=False, satisfied=False), t + 120 * MIN
        )
        # Outside the range: the 5th, and the last minutes of the 1st (local).
        await hotline.create(session, desk, _call("13600000005", PLACED), _local(5, 9))
        await hotline.create(session, desk, _call("13600000006", PLACED), _local(1, 23, 30))


RANGE = {"from": "2026-03-02", "to": "2026-03-04"}
FIGURES = (
    "received",
    "closed",
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "on_time_rate",
    "first_time_rate",
    "callback_rate",
    "repeat_rate",
)


def _figures(row: dict) -> tuple:
    return tuple(row[name] for name in FIGURES)


async def test_the_figures_match_the_hand_counted_fixture(api):
    await _fixture(api)
    desk = await api.login("dispatcher")
    by_sub = (await desk.get("/api/v1/stats", params={**RANGE, "by": "subdistrict"})).json()
    # received A B C D E; closed A B; response A✓ B✗ D✗ E✓; resolution A✓ E✗; satisfaction
    # A✓(回访) B✓(the later rating, 4) E✗(回访 after the 5); on time A✓ B✗ D✗ E✗ (open, past
    # due); first time A✓ B✗; callback A✓ B✗ (not reached); repeat C of five.
    assert _figures(by_sub["total"]) == (5, 2, 0.5, 0.5, 0.6667, 0.25, 0.5, 0.5, 0.2)
    rows = {row["key"]: row for row in by_sub["rows"]}
    assert _figures(rows["D01-S01"]) == (3, 2, 0.5, 1.0, 1.0, 0.5, 0.5, 0.5, 0.3333)
    assert rows["D01-S01"]["name"] == "和平街道"
    assert _figures(rows["unplaced"]) == (2, 0, 0.5, 0.0, 0.0, 0.0, None, None, 0.0)
    # Every subdistrict has its row (a ranking names them all); nothing counts in it.
    assert _figures(rows["D01-S02"]) == (0, 0, None, None, None, None, None, None, None)
    by_channel = (await desk.get("/api/v1/stats", params={**RANGE, "by": "channel"})).json()
    channels = {row["key"]: row for row in by_channel["rows"]}
    assert set(channels) == {"phone", "web"}
    assert _figures(channels["web"]) == (1, 0, None, None, None, None, None, None, 1.0)
    assert channels["web"]["name"] == "网络"
    assert _figures(channels["phone"])[:2] == (4, 2)
    by_dep = (await desk.get("/api/v1/stats", params={**RANGE, "by": "department"})).json()
    deps = {row["key"]: row["received"] for row in by_dep["rows"]}
    assert deps == {"DEP01": 4, "none": 1}  # C was merged before it was sent anywhere
    by_category = (await desk.get("/api/v1/stats", params={**RANGE, "by": "category"})).json()
    named = [(r["key"], r["name"]) for r in by_category["rows"]]
    assert named == [("repair.water", "供水管道维修")]
    assert _figures(by_category["rows"][0]) == _figures(by_sub["total"])
    # One day: only A and B.
    day = await desk.get("/api/v1/stats", params={"from": "2026-03-02", "to": "2026-03-02"})
    assert day.json()["total"]["received"] == 2


async def test_each_level_counts_only_what_it_reads(api):
    await _fixture(api)
    for username, received in (("subdistrict1", 3), ("dept_water", 4), ("inspector1", 5)):
        caller = await api.login(username)
        answer = await caller.get("/api/v1/stats", params={**RANGE, "by": "category"})
        assert answer.status_code == 200, (username, answer.text)
        assert answer.json()["total"]["received"] == received, username
    worker = await api.login("worker1")
    assert (await worker.get("/api/v1/stats", params=RANGE)).status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-3-2", "to": "2026-03-04"},
        {"from": "2026-02-30", "to": "2026-03-04"},
        {"to": "2026-03-04"},
        {**RANGE, "by": "weather"},
    ],
)
async def test_bad_ranges_are_400_and_backwards_ones_422(api, params):
    desk = await api.login("dispatcher")
    assert (await desk.get("/api/v1/stats", params=params)).status_code == 400
    backwards = await desk.get("/api/v1/stats", params={"from": "2026-03-04", "to": "2026-03-02"})
    assert backwards.status_code == 422
    for far in (
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"from": "9999-12-31", "to": "9999-12-31"},
    ):
        assert (await desk.get("/api/v1/stats", params=far)).status_code == 422


def _step(action: str, minutes: int, **params) -> RequestEvent:
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC) + minutes * MIN
    return RequestEvent(
        request_id=uuid.uuid4(), ordinal=minutes, at=at, action=action, params=params
    )


def test_a_response_istaken_up_by_the_level_it_was_sent_to():
    to_department = _step("dispatched", 0, department_code="DEP01")
    to_office = _step("dispatched", 0, unit="D01-S01", level="subdistrict")
    to_community = _step("dispatched", 0, unit="D01-S01-C01", level="community")
    accepted, assigned = _step("accepted", 10), _step("assigned", 12)
    onward = _step("dispatched", 8, unit="D01-S01-C01", level="community")
    assert taken_up(to_department, [accepted]) == accepted.at
    assert taken_up(to_community, [assigned]) == assigned.at
    assert taken_up(to_office, [onward, assigned]) == onward.at
    # Returned or sent elsewhere before it was taken up: no response, whatever comes next.
    assert (
        taken_up(to_department, [_step("returned", 5), _step("dispatched", 6), accepted]) is False
    )
    assert taken_up(to_department, [_step("transferred", 5), accepted]) is False
    assert taken_up(to_community, [onward, assigned]) is False
    # Waiting still.
    assert taken_up(to_department, [_step("supervised", 3)]) is None
