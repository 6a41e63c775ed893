"""Extensions and returns counted in GET /api/v1/stats (issue 22: "both on the timeline, in the
console, and counted in the figures"), against a hand-counted fixture of five requests
received on the local day 2026-03-10, built through the service functions. Both databases."""

from datetime import timedelta

from server.hotline import service as hotline
from tests.test_hotline_stats import PLACED, _actor, _call, _local

MIN = timedelta(minutes=1)
DAY = {"from": "2026-03-10", "to": "2026-03-10"}
COUNTS = ("received", "extended", "returned", "return_approved")


async def _fixture(api) -> None:
    async with api.runtime.sessions() as session, session.begin():
        desk, water = await _actor(session, "dispatcher"), await _actor(session, "dept_water")

        async def sent(phone: str, hour: int):
            at = _local(10, hour)
            rid = (await hotline.create(session, desk, _call(phone, PLACED), at)).id
            await hotline.dispatch(session, desk, rid, None, "DEP01", at + 5 * MIN)
            await hotline.accept(session, water, rid, at + 10 * MIN)
            return rid, at + 20 * MIN

        # P: more time asked once, approved.
        p, t = await sent("13700000001", 8)
        await hotline.ask_extension(session, water, p, 2, "等材料", t)
        await hotline.decide_extension(session, desk, p, True, None, t + MIN)
        # Q: refused once, then approved twice: one request given more time.
        q, t = await sent("13700000002", 9)
        for minute, approve in ((0, False), (2, True), (4, True)):
            await hotline.ask_extension(session, water, q, 1, "等业主", t + minute * MIN)
            await hotline.decide_extension(session, desk, q, approve, None, t + (minute + 1) * MIN)
        # R: returned, and the district approves the return (it leaves the department).
        r, t = await sent("13700000003", 10)
        await hotline.give_back(session, water, r, "非供水问题", t)
        await hotline.decide_return(session, desk, r, True, None, t + MIN)
        # S: returned, the return refused (the department keeps it).
        s, t = await sent("13700000004", 11)
        await hotline.give_back(session, water, s, "非供水问题", t)
        await hotline.decide_return(session, desk, s, False, "属供水", t + MIN)
        # T: an extension asked and still waiting: nothing granted yet.
        u, t = await sent("13700000005", 12)
        await hotline.ask_extension(session, water, u, 3, "等停水窗口", t)


def _counts(row: dict) -> tuple:
    return tuple(row[name] for name in COUNTS)


async def test_extensions_and_returns_are_counted_by_hand(api):
    await _fixture(api)
    desk = await api.login("dispatcher")
    total = (await desk.get("/api/v1/stats", params={**DAY, "by": "subdistrict"})).json()
    # extended P Q; returned R S; return approved R.
    assert _counts(total["total"]) == (5, 2, 2, 1)
    rows = {row["key"]: row for row in total["rows"]}
    assert _counts(rows["D01-S01"]) == (5, 2, 2, 1)
    assert _counts(rows["D01-S02"]) == (0, 0, 0, 0)
    by_dep = (await desk.get("/api/v1/stats", params={**DAY, "by": "department"})).json()
    deps = {row["key"]: _counts(row) for row in by_dep["rows"]}
    # R left the department when its return was approved.
    assert deps == {"DEP01": (4, 2, 1, 0), "none": (1, 0, 1, 1)}
    # The department sees its own: the four it still holds.
    water = await api.login("dept_water")
    own = (await water.get("/api/v1/stats", params={**DAY, "by": "category"})).json()
    assert _counts(own["total"]) == (4, 2, 1, 0)
