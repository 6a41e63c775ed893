"""The demo's history is made by the rules (issue 21): after seeding, the clock is walked over
the seeded days and escalation runs at each step, so its escalations carry the past times at
which they would have happened, spread over the days, not the time the server started."""

from datetime import timedelta

from sqlalchemy import select

from server.auth.tables import User
from server.clock import utcnow
from server.demo import history
from server.hotline import service as hotline
from server.hotline.tables import HotlineRequest, RequestEvent
from server.org.tables import OrgUnit
from shared.localtime import to_local
from shared.permissions import Actor
from shared.requests import stage_due


async def test_the_demos_escalations_are_spread_over_its_past_days(api):
    now = utcnow()
    async with api.runtime.sessions() as session:
        times = (
            await session.scalars(select(RequestEvent.at).where(RequestEvent.action == "escalated"))
        ).all()
        received = await session.scalar(
            select(HotlineRequest.received_at).order_by(HotlineRequest.received_at).limit(1)
        )
    assert len(times) >= 10, "the demo's overdue requests were escalated as it was seeded"
    assert all(received < at <= now for at in times)
    # Over the demo's days, not in one instant: at least four local days, many moments, and
    # the first escalations days before the seeding.
    assert len({to_local(at).date() for at in times}) >= 4
    assert len(set(times)) >= len(times) // 10
    assert min(times) < now - timedelta(days=3)
    latest = max(times)
    assert sum(at == latest for at in times) < len(times) // 4


async def test_the_walk_escalates_a_request_when_its_stage_falls_overdue(api):
    async with api.runtime.sessions() as session, session.begin():
        user = await session.scalar(select(User).where(User.username == "dispatcher"))
        unit = await session.get(OrgUnit, user.org_unit_id)
        dispatcher = Actor(user.id, user.role, unit.path)
        called = utcnow() - timedelta(days=2)
        request = await hotline.create(
            session,
            dispatcher,
            {
                "channel": "phone",
                "caller_name": "赵一",
                "caller_phone": "13911112222",
                "address": "无名路1号",  # placed nowhere: the district holds it
                "category_code": "repair.water",
                "description": "水管漏水",
            },
            called,
        )
        first_due = request.stage_due_at
        limit_hours = (request.due_at - request.received_at).total_seconds() / 3600
        assert first_due == stage_due("received", called, limit_hours)
        made = await history.walk(session, utcnow())
        events = (
            await session.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == request.id, RequestEvent.action == "escalated")
                .order_by(RequestEvent.ordinal)
            )
        ).all()
    assert made >= len(events) >= 2
    # The first escalation is the first step of the walk after the stage fell due, two days
    # ago; each later one (pressing at the top) the first step after the one before's due.
    assert first_due < events[0].at <= first_due + history.STEP
    pressed_every = timedelta(hours=max(limit_hours * 0.2, 0.25))
    for before, after in zip(events, events[1:], strict=False):
        assert before.at + pressed_every < after.at <= before.at + pressed_every + history.STEP
    assert events[0].at < utcnow() - timedelta(days=1)


def test_seed_demo_adds_a_year_of_calls(tmp_path):
    """`seed-demo --requests N`: the demo and N calls over the past year, each numbered and with
    its timeline; a count out of range is refused before anything is written."""
    import os
    import subprocess
    import sys

    from sqlalchemy import create_engine, func

    path = tmp_path / "year.db"
    env = {**os.environ, "DOORSTEP_DATABASE_URL": f"sqlite+aiosqlite:///{path}"}
    refused = subprocess.run(
        [sys.executable, "-m", "server", "seed-demo", "--requests", "-1"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "--requests" in refused.stderr
    assert not path.exists()
    done = subprocess.run(
        [sys.executable, "-m", "server", "seed-demo", "--requests", "300"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "332 hotline requests" in done.stdout  # the demo's 32 and the 300 asked for
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        received = connection.execute(
            select(func.min(HotlineRequest.received_at), func.count())
        ).one()
        numbers = connection.scalar(select(func.count(func.distinct(HotlineRequest.number))))
        steps = connection.scalar(select(func.count()).select_from(RequestEvent))
    engine.dispose()
    oldest = received[0].replace(tzinfo=utcnow().tzinfo)
    assert received[1] == 332 == numbers
    assert utcnow() - timedelta(days=366) < oldest < utcnow() - timedelta(days=360)
    assert steps > 300 * 4
