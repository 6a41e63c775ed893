"""The figures (`GET /api/v1/stats`, the reports) counted from the kept rows of
`request_figures` (server/hotline/facts.py) equal the figures counted from every request's
steps and 回访: after the demo, after the hand-counted story of tests/test_hotline_stats.py,
and after rounds of random request activity; on SQLite and PostgreSQL. The rows also equal a
rebuild from scratch."""

import random
from datetime import timedelta

import msgspec
import pytest
from sqlalchemy import select

from server.clock import utcnow
from server.hotline import facts
from server.hotline import service as hotline
from server.hotline.stats import GROUPINGS
from server.hotline.tables import HotlineRequest, RequestEvent, RequestFigures
from shared.localtime import to_local
from tests.test_dashboard_days import _activity, _actor
from tests.test_hotline_stats import _fixture


async def _compare(api, rng: random.Random) -> None:
    now = utcnow()
    today = to_local(now).date()
    ranges = [(today.replace(day=1), today), (today - timedelta(days=90), today)]
    first = today - timedelta(days=rng.randint(0, 300))
    ranges.append((first, first + timedelta(days=rng.randint(0, 40))))
    ranges.append(
        (today.replace(year=2026, month=3, day=1), today.replace(year=2026, month=3, day=31))
    )
    async with api.runtime.sessions() as session:
        for username in ("dispatcher", "supervisor1", "dept_water"):
            actor = await _actor(session, username)
            for start, end in ranges:
                kept = await hotline.stats_by(session, actor, start, end, GROUPINGS, now)
                made = await hotline.stats_by(
                    session, actor, start, end, GROUPINGS, now, by_facts=False
                )
                assert msgspec.to_builtins(kept) == msgspec.to_builtins(made), (username, start)


async def _same_as_rebuilt(api) -> None:
    def rows(found) -> dict:
        return {r.request_id: msgspec.to_builtins(r.model_dump()) for r in found}

    async with api.runtime.sessions() as session, session.begin():
        kept = rows((await session.scalars(select(RequestFigures))).all())
        await session.run_sync(lambda s: facts.rebuild(s.connection()))
        session.expunge_all()
        assert kept == rows((await session.scalars(select(RequestFigures))).all())
        await session.rollback()


@pytest.mark.parametrize("seed", [5])
async def test_the_kept_facts_count_as_the_steps_do(api, seed):
    rng = random.Random(seed)
    await _fixture(api)  # the hand-counted story: dispatches, returns, ratings, 回访, merges
    await _compare(api, rng)
    bare: list = []
    for _ in range(4):
        await _activity(api, rng, bare)
        await _compare(api, rng)
    # A savepoint rolled back keeps what the transaction changed before it.
    async with api.runtime.sessions() as session, session.begin():
        request = await session.scalar(
            select(HotlineRequest).where(HotlineRequest.rating.is_(None)).limit(1)
        )
        session.add(
            RequestEvent(
                request_id=request.id,
                ordinal=request.rev,
                at=utcnow(),
                action="rated",
                params={"score": 1},
            )
        )
        await session.flush()
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                request.reopened += 1
                await session.flush()
                raise RuntimeError("rolled back to the savepoint")
    await _compare(api, rng)
    await _same_as_rebuilt(api)
