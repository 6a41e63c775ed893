"""The change feed: no pull skips a change, however concurrent transactions commit."""

import asyncio
import random
import uuid

import pytest
from sqlalchemy import select

from server.auth.tables import User
from server.clock import utcnow
from server.db.sessions import create_engine_for, session_factories, session_factory
from server.feed.tables import FeedEntry
from server.residents.tables import Resident
from server.visits.tables import Checkin


async def test_no_change_is_skipped_when_transactions_commit_out_of_order(api, settings):
    """Writers on separate connections hold transactions open at random while a reader pulls in
    a loop with small pages. The reader must end with every committed check-in."""
    supervisor = await api.login("supervisor1")
    engine = create_engine_for(settings.database_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        community = supervisor.user["org_unit"]["id"]
        residents = (
            await session.scalars(
                select(Resident.id).where(Resident.community_id == uuid.UUID(community))
            )
        ).all()
        worker = await session.scalar(select(User.id).where(User.username == "worker1"))
    records, cursor = await supervisor.pull_all(limit=50)
    committed: list[str] = []
    rng = random.Random(7)

    async def writer(n: int) -> None:
        for i in range(12):
            checkin_id = uuid.uuid4()
            async with sessions() as session:
                async with session.begin():
                    session.add(
                        Checkin(
                            id=checkin_id,
                            resident_id=rng.choice(residents),
                            community_id=uuid.UUID(community),
                            worker_id=worker,
                            at=utcnow(),
                            seen_in_person=True,
                            wellbeing="good",
                            notes=f"w{n}-{i}",
                        )
                    )
                    await session.flush()  # the row exists, uncommitted: a naive cursor moves on
                    await asyncio.sleep(rng.random() * 0.03)
                committed.append(str(checkin_id))

    seen: set[str] = set()
    done = asyncio.Event()

    async def reader() -> None:
        nonlocal cursor
        while True:
            finished = done.is_set()
            response = await supervisor.get(
                "/api/v1/sync/pull", params={"cursor": cursor, "limit": 7}
            )
            page = response.json()
            seen.update(c["id"] for c in page["changes"] if c["entity"] == "checkin")
            cursor = page["cursor"]
            if finished and not page["has_more"]:
                return
            await asyncio.sleep(0.002)

    reading = asyncio.create_task(reader())
    await asyncio.gather(*(writer(n) for n in range(4)))
    done.set()
    await reading
    await engine.dispose()
    assert len(committed) == 48
    assert set(committed) <= seen, f"skipped {len(set(committed) - seen)} committed changes"


async def test_feed_versions_follow_commit_order(api, settings):
    """The transaction that commits first gets the lower version, whichever began first."""
    if settings.dialect == "sqlite":
        pytest.skip("SQLite runs one writer at a time: there is no out-of-order commit to test")
    engine = create_engine_for(settings.database_url)
    sessions = session_factory(engine)
    async with sessions() as first, sessions() as second:
        async with first.begin():
            began_first = await first.scalar(select(Resident).limit(1))
            began_first.notes = "began first, commits second"
            await first.flush()
            async with second.begin():
                began_second = await second.scalar(select(Resident).offset(1).limit(1))
                began_second.notes = "began second, commits first"
    async with sessions() as session:
        version = {
            entry.record_id: entry.version
            for entry in (await session.scalars(select(FeedEntry))).all()
        }
    await engine.dispose()
    assert version[began_second.id] < version[began_first.id]


async def test_a_savepoint_tells_no_one_and_one_rolled_back_leaves_no_trace(api, settings):
    """SQLAlchemy runs its commit hooks when a savepoint is released too. A phone woken then
    would pull before the commit and find nothing: only the real commit writes the feed and
    tells the streams. A savepoint rolled back takes its feed and audit notes with it."""
    from sqlalchemy import func

    from server.audit import service as audit
    from server.audit.tables import AuditEntry

    engine = create_engine_for(settings.database_url)
    outside = session_factories(engine)[1]  # reads: on SQLite, never waits for the writer

    async def committed_version() -> int:
        async with outside() as session:
            return await session.scalar(select(func.coalesce(func.max(FeedEntry.version), 0)))

    before = await committed_version()
    told: list[int] = []
    async with api.runtime.sessions() as session:
        hub = session.sync_session.info["process"]["feed_hub"]
        publish = hub.publish
        hub.publish = lambda version, keys: (told.append(version), publish(version, keys))
        try:
            async with session.begin():
                kept, dropped = (await session.scalars(select(Resident).limit(2))).all()
                kept_id, dropped_id = kept.id, dropped.id
                async with session.begin_nested():
                    kept.notes = "kept: written in a savepoint that was released"
                    audit.record(session, None, "test.kept", "resident", kept.id)
                assert told == [] and await committed_version() == before
                with pytest.raises(RuntimeError):
                    async with session.begin_nested():
                        dropped.notes = "dropped: its savepoint rolled back"
                        audit.record(session, None, "test.dropped", "resident", dropped.id)
                        await session.flush()
                        raise RuntimeError("the mutation fails")
                assert told == [] and await committed_version() == before
                assert not session.sync_session.info["savepoint_notes"]  # none kept once ended
        finally:
            hub.publish = publish
    after = await committed_version()
    async with outside() as session:
        written = {
            entry.record_id
            for entry in (
                await session.scalars(select(FeedEntry).where(FeedEntry.version > before))
            ).all()
        }
        actions = set(
            (
                await session.scalars(
                    select(AuditEntry.action).where(AuditEntry.action.like("test.%"))
                )
            ).all()
        )
    await engine.dispose()
    assert told == [after] and after > before  # told once, after the commit, of what it wrote
    assert kept_id in written and dropped_id not in written
    assert actions == {"test.kept"}
