"""compact-feed: old feed entries go, phones behind the horizon get 410 and start over."""

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from server.clock import utcnow
from server.db.sessions import create_engine_for, session_factory
from server.feed.tables import FeedClock, FeedEntry
from server.sync import compaction
from tests.support.live import live_server
from tests.support.phones import make_phone
from tests.support.processes import command


async def _feed(url: str) -> tuple[int, int, int]:
    engine = create_engine_for(url)
    try:
        async with session_factory(engine)() as session:
            clock = await session.get(FeedClock, 1)
            entries = await session.scalar(select(func.count()).select_from(FeedEntry))
            return clock.version, clock.horizon, entries
    finally:
        await engine.dispose()


def test_a_phone_behind_the_horizon_starts_over_and_ends_up_whole(database_url, settings, tmp_path):
    with (
        live_server(settings) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        behind = make_phone(tmp_path, http, "worker1")
        behind.sync()
        supervisor = make_phone(tmp_path, http, "supervisor1")
        supervisor.sync()
        resident = supervisor.store.all("resident")[0]
        # The same record changed again and again: entries that compaction can drop.
        for n in range(5):
            supervisor.store.record(
                "resident.update", {"id": resident["id"], "fields": {"notes": f"第{n}次探访"}}
            )
            supervisor.sync()
        current = make_phone(tmp_path, http, "worker2")
        current.sync()
        version, horizon, entries = asyncio.run(_feed(database_url))

        done = command(
            "compact-feed", "--older-than", "0", env={"DOORSTEP_DATABASE_URL": database_url}
        )
        assert done.returncode == 0, done.stderr
        assert f"cursors below version {version} expire" in done.stdout
        _, horizon_after, entries_after = asyncio.run(_feed(database_url))
        assert horizon_after == version > horizon
        assert entries_after < entries

        report = behind.sync()
        assert report.restarted is True  # told 410 cursor_expired, pulled from the start
        assert behind.store.get("resident", resident["id"])["notes"] == "第4次探访"
        fresh = make_phone(tmp_path, http, "worker1")
        fresh.sync()
        assert behind.store.server_copy() == fresh.store.server_copy()
        assert len(fresh.store.all("resident")) == 60
        # A phone that had pulled up to the horizon goes on from its cursor.
        assert current.sync().restarted is False


async def test_older_than_uses_the_hourly_marks(api):
    now = utcnow()
    async with api.runtime.sessions() as session, session.begin():
        await compaction.mark(session, now - timedelta(days=3))
        version = (await session.get(FeedClock, 1)).version
    worker = await api.login("worker1")
    await worker.pull_all()
    async with api.runtime.sessions() as session, session.begin():
        # Nothing is known from 5 days ago: nothing moves.
        nothing = await compaction.compact_older_than(session, 5, now)
        assert nothing.removed == 0 and nothing.horizon == 0
        done = await compaction.compact_older_than(session, 2, now)
        assert done.horizon == version
