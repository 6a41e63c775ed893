"""The dashboard read off the figures by day (`request_day_figures`, server/hotline/daily.py)
says exactly what a count over the requests says: after the demo, after random request
activity (new requests around local midnight, ratings, resolutions, moves between
communities, departments, categories and levels, status changes, deletions, a rolled-back
transaction), for every request and for ranges of local days; and on PostgreSQL after two
transactions that change the same day at once."""

import asyncio
import random
import threading
import uuid
from datetime import UTC, datetime, time, timedelta

import msgspec
import pytest
from sqlalchemy import select

from server.auth.tables import User
from server.clock import utcnow
from server.hotline import service as hotline
from server.hotline.tables import HotlineRequest, RequestDayFigures, RequestEvent
from server.org.tables import Department, OrgUnit
from shared.catalogue import CATALOGUE
from shared.enums import OrgLevel, Role
from shared.localtime import to_local, zone
from shared.permissions import Actor
from shared.requests import Level, RequestStatus

LOCAL = zone()


async def _actor(session, username: str) -> Actor:
    user = await session.scalar(select(User).where(User.username == username))
    unit = await session.get(OrgUnit, user.org_unit_id)
    return Actor(user.id, Role(user.role), unit.path, None, user.department_id)


def _same(by_days, direct) -> None:
    """Equal figures; a median may differ in its last float digit (hours from microseconds,
    or from the databases' own arithmetic), so it is held to a tenth of an hour's rounding."""
    one, other = msgspec.to_builtins(by_days), msgspec.to_builtins(direct)
    for grouping in one:
        if grouping == "overall":
            pairs = {"all": (one[grouping], other[grouping])}
        else:
            assert set(one[grouping]) == set(other[grouping]), grouping
            pairs = {k: (v, other[grouping][k]) for k, v in one[grouping].items()}
        for key, (a, b) in pairs.items():
            ma, mb = a.pop("median_hours_to_resolve"), b.pop("median_hours_to_resolve")
            assert a == b, (grouping, key, a, b)
            assert (ma is None) == (mb is None), (grouping, key)
            if ma is not None:
                assert abs(ma - mb) <= 0.1 + 1e-9, (grouping, key, ma, mb)


def _midnight(day) -> datetime:
    return datetime.combine(day, time(), LOCAL).astimezone(UTC)


async def _compare(api, rng: random.Random) -> None:
    now = utcnow()
    today = to_local(now).date()
    ranges = [(None, None), (_midnight(today.replace(day=1)), _midnight(today + timedelta(1)))]
    for _ in range(3):
        first = today - timedelta(days=rng.randint(0, 70))
        ranges.append((_midnight(first), _midnight(first + timedelta(days=rng.randint(1, 30)))))
    ranges.append((_midnight(today - timedelta(days=5)), None))
    async with api.runtime.sessions() as session:
        desk = await _actor(session, "dispatcher")
        for since, until in ranges:
            by_days = await hotline.dashboard(session, desk, now, since, until)
            direct = await hotline.dashboard(session, desk, now, since, until, by_days=False)
            _same(by_days, direct)


def _call(rng: random.Random, community: OrgUnit) -> dict:
    return {
        "channel": "phone",
        "caller_name": "测试来电人",
        "caller_phone": f"139{rng.randint(0, 99_999_999):08d}",
        "address": f"{community.name}幸福路{rng.randint(1, 99)}号",
        "category_code": rng.choice(CATALOGUE).code,
        "description": "测试诉求",
    }


def _moment(rng: random.Random, now: datetime) -> datetime:
    """A time in the last two months, often a few seconds either side of a local midnight."""
    day = to_local(now).date() - timedelta(days=rng.randint(0, 60))
    if rng.random() < 0.5:
        moment = _midnight(day) + timedelta(seconds=rng.choice((-2, -1, 0, 1, 2)))
    else:
        moment = _midnight(day) + timedelta(seconds=rng.randint(0, 86_399))
    return min(moment, now - timedelta(seconds=1))


async def _activity(api, rng: random.Random, bare: list[uuid.UUID]) -> None:
    """One transaction of random changes to requests."""
    async with api.runtime.sessions() as session, session.begin():
        desk = await _actor(session, "dispatcher")
        communities = [
            u
            for u in (await session.scalars(select(OrgUnit))).all()
            if u.level == OrgLevel.COMMUNITY
        ]
        departments = [d.id for d in (await session.scalars(select(Department))).all()]
        ids = list((await session.scalars(select(HotlineRequest.id))).all())
        now = utcnow()
        for _ in range(rng.randint(3, 12)):
            action = rng.choice(("create", "bare", "change", "change", "change", "delete"))
            if action == "create":
                when = _moment(rng, now)
                made = await hotline.create(
                    session, desk, _call(rng, rng.choice(communities)), when
                )
                ids.append(made.id)
            elif action == "bare":  # a request written straight as a row, no timeline
                when = _moment(rng, now)
                row = HotlineRequest(
                    number=f"T{uuid.uuid4().hex[:12]}",
                    channel="phone",
                    caller_name="甲",
                    caller_phone="13900000000",
                    address="某路1号",
                    category_code=rng.choice(CATALOGUE).code,
                    community_id=rng.choice([None, rng.choice(communities).id]),
                    status=RequestStatus.RECEIVED,
                    received_at=when,
                    due_at=when + timedelta(hours=rng.randint(1, 200)),
                    stage_started_at=when,
                )
                session.add(row)
                await session.flush()
                bare.append(row.id)
                ids.append(row.id)
            elif action == "delete" and bare:
                gone = bare.pop(rng.randrange(len(bare)))
                await session.delete(await session.get(HotlineRequest, gone))
                ids.remove(gone)
            else:
                request = await session.get(HotlineRequest, rng.choice(ids))
                field = rng.choice(
                    ("rating", "resolved", "category", "level", "community", "department", "status")
                )
                if field == "rating":
                    request.rating = rng.choice((None, 1, 2, 3, 4, 5))
                elif field == "resolved":
                    request.resolved_at = rng.choice(
                        (None, request.received_at + timedelta(minutes=rng.randint(1, 20_000)))
                    )
                elif field == "category":
                    request.category_code = rng.choice(CATALOGUE).code
                elif field == "level":
                    request.level = rng.choice(list(Level)).value
                elif field == "community":
                    request.community_id = rng.choice([None, rng.choice(communities).id])
                elif field == "department":
                    request.department_id = rng.choice([None, rng.choice(departments)])
                else:
                    request.status = rng.choice(list(RequestStatus)).value
                    request.due_at = now + timedelta(hours=rng.randint(-100, 100))
            if rng.random() < 0.3:
                await session.flush()


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_figures_by_day_are_a_count_of_the_requests(api, seed):
    rng = random.Random(seed)
    await _compare(api, rng)
    bare: list[uuid.UUID] = []
    for _ in range(6):
        await _activity(api, rng, bare)
        await _compare(api, rng)
    # A transaction rolled back leaves the figures as they were.
    with pytest.raises(RuntimeError):
        async with api.runtime.sessions() as session, session.begin():
            request = await session.scalar(select(HotlineRequest).limit(1))
            request.rating, request.category_code = 1, "nothing.such"
            await session.flush()
            raise RuntimeError("rolled back")
    await _compare(api, rng)
    # A savepoint rolled back keeps what the transaction changed before it.
    async with api.runtime.sessions() as session, session.begin():
        first, second = (await session.scalars(select(HotlineRequest).limit(2))).all()
        first.rating, first.category_code = 1, CATALOGUE[-1].code
        await session.flush()
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                second.rating = 2
                await session.flush()
                raise RuntimeError("rolled back to the savepoint")
    await _compare(api, rng)
    # A savepoint released inside one that is rolled back: what the transaction changed
    # before both still counts (the rows are made at the real commit only).
    async with api.runtime.sessions() as session, session.begin():
        first, second = (await session.scalars(select(HotlineRequest).limit(2))).all()
        first.rating = 5 if first.rating != 5 else 4
        first.category_code = CATALOGUE[0].code
        await session.flush()
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                async with session.begin_nested():
                    second.rating = 3
                    await session.flush()
                raise RuntimeError("rolled back to the outer savepoint")
    await _compare(api, rng)
    # The day rows are exactly what a rebuild from every request makes.
    async with api.runtime.sessions() as session:
        kept = {
            (r.day, r.grouping, r.group_key): (r.total, r.rated, r.rating_sum, r.satisfied)
            for r in (await session.scalars(select(RequestDayFigures))).all()
        }
        kept_durations = {
            (r.day, r.grouping, r.group_key): sorted(r.resolved_us)
            for r in (await session.scalars(select(RequestDayFigures))).all()
        }
    from server.hotline import daily

    async with api.runtime.sessions() as session, session.begin():
        await session.run_sync(lambda s: daily.rebuild(s.connection()))
        rebuilt = (await session.scalars(select(RequestDayFigures))).all()
        assert kept == {
            (r.day, r.grouping, r.group_key): (r.total, r.rated, r.rating_sum, r.satisfied)
            for r in rebuilt
        }
        assert kept_durations == {
            (r.day, r.grouping, r.group_key): sorted(r.resolved_us) for r in rebuilt
        }
        await session.rollback()


async def test_two_writers_of_one_day_both_count(api, database_url, settings, monkeypatch):
    """PostgreSQL (SQLite has one writer at a time): two transactions rate two requests of the
    same day at once. A has read the day's requests for its rows (its own change, not B's) and
    is held there while B, another server process's transaction, rates the other request and
    commits. With the day's lock B waits for A and reads both; without it B would write rows
    without A's rating and A rows without B's (or the two would collide)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite writes one transaction at a time")
    from server.hotline import daily
    from tests.support.server import Api

    async with api.runtime.sessions() as session:
        day_of = {}
        for request in (await session.scalars(select(HotlineRequest))).all():
            day_of.setdefault(to_local(request.received_at).date(), []).append(request.id)
        pair = next(ids[:2] for ids in day_of.values() if len(ids) >= 2)
    a_has_read, b_done = threading.Event(), threading.Event()
    tally, main = daily.tally, threading.current_thread()

    def held_tally(rows):
        if threading.current_thread() is main and not a_has_read.is_set():
            a_has_read.set()
            b_done.wait(3)  # B is done, or (with the lock) waiting for this transaction
        return tally(rows)

    monkeypatch.setattr(daily, "tally", held_tally)

    def other_process() -> None:
        async def rate_b() -> None:
            async with Api.start(settings) as other:
                async with other.runtime.sessions() as session, session.begin():
                    request = await session.get(HotlineRequest, pair[1])
                    request.rating = 1 if request.rating != 1 else 2

        a_has_read.wait(30)
        try:
            asyncio.run(rate_b())
        finally:
            b_done.set()

    b = threading.Thread(target=other_process)
    b.start()
    try:
        async with api.runtime.sessions() as session, session.begin():
            request = await session.get(HotlineRequest, pair[0])
            request.rating = 2 if request.rating != 2 else 3
    finally:
        await asyncio.to_thread(b.join, 60)
    assert a_has_read.is_set() and b_done.is_set()
    await _compare(api, random.Random(3))


async def test_the_dashboard_shows_this_month_unless_asked(api):
    from tests.test_console_words import _console

    client = await _console(api, "dispatcher", "zh")
    try:
        today = to_local(utcnow()).date()
        page = await client.get("/console/dashboard")
        assert page.status_code == 200
        assert f'name="from" value="{today.replace(day=1).isoformat()}"' in page.text
        assert f'name="to" value="{today.isoformat()}"' in page.text
        everything = await client.get("/console/dashboard", params={"from": "", "to": ""})
        assert 'name="from" value=""' in everything.text
        async with api.runtime.sessions() as session:
            total = len((await session.scalars(select(HotlineRequest.id))).all())
            events = await session.scalar(select(RequestEvent.id).limit(1))
        assert events is not None
        assert f'id="kpi-total">{total}<' in everything.text
    finally:
        await client.aclose()
