"""A cursor behind the feed's horizon (the feed was compacted) is answered 410 and the phone
starts over, ending with exactly its scope."""

import asyncio

from sqlalchemy import update

from server.db.sessions import create_engine_for, session_factory
from server.feed.tables import FeedClock
from tests.support.phones import make_phone


def compact_everything(url: str) -> None:
    async def move() -> None:
        engine = create_engine_for(url)
        async with session_factory(engine)() as session, session.begin():
            await session.execute(
                update(FeedClock).where(FeedClock.id == 1).values(horizon=FeedClock.version + 1)
            )
        await engine.dispose()

    asyncio.run(move())


def test_a_phone_behind_the_horizon_is_told_and_starts_over(tmp_path, flaky, settings):
    phone = make_phone(tmp_path, flaky, "worker1")
    phone.sync()
    before = phone.store.server_copy()
    cursor = phone.store.meta("cursor")
    compact_everything(settings.database_url)
    tokens = phone.store.secret("tokens")
    old = flaky.get(
        "/api/v1/sync/pull",
        params={"cursor": cursor},
        headers={"authorization": f"Bearer {tokens['access']}"},
    )
    assert old.status_code == 410 and old.json()["code"] == "cursor_expired"
    report = phone.sync()
    assert report.restarted
    assert phone.store.server_copy() == before


def test_an_idle_phone_keeps_up_with_the_feed_and_survives_compaction(tmp_path, flaky, settings):
    phone = make_phone(tmp_path, flaky, "worker1")
    phone.sync()
    # Work elsewhere moves the feed on; nothing of it is in this phone's scope.
    elsewhere = make_phone(tmp_path, flaky, "worker3")
    elsewhere.sync()
    resident = elsewhere.store.all("resident")[0]["id"]
    elsewhere.store.record("resident.update", {"id": resident, "fields": {"phone": "139"}})
    elsewhere.sync()
    assert phone.sync().pulled == 0
    # The feed is compacted up to now: the idle phone's cursor already passed it.

    async def horizon_at_version() -> None:
        engine = create_engine_for(settings.database_url)
        async with session_factory(engine)() as session, session.begin():
            await session.execute(
                update(FeedClock).where(FeedClock.id == 1).values(horizon=FeedClock.version)
            )
        await engine.dispose()

    asyncio.run(horizon_at_version())
    assert not phone.sync().restarted
