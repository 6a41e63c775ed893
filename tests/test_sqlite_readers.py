"""On SQLite a request that only reads never waits for a writer: WAL lets it read its snapshot
while another transaction holds the write lock."""

import asyncio
import time

import pytest
from sqlalchemy import update

from server.residents.tables import Resident


@pytest.fixture
def database_url(sqlite_template, tmp_path):
    import shutil

    target = tmp_path / "doorstep.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


async def test_a_pull_answers_while_a_long_write_holds_the_lock(api):
    worker = await api.login("worker1")
    writer_started, writer_may_finish = asyncio.Event(), asyncio.Event()

    async def long_write() -> None:
        async with api.runtime.sessions() as session, session.begin():
            await session.execute(update(Resident).values(notes="一个很长的写事务"))
            writer_started.set()
            await writer_may_finish.wait()

    writer = asyncio.create_task(long_write())
    await asyncio.wait_for(writer_started.wait(), 10)
    started = time.monotonic()
    pulled = await asyncio.wait_for(worker.get("/api/v1/sync/pull"), 5)
    elapsed = time.monotonic() - started
    still_writing = not writer.done()
    writer_may_finish.set()
    await writer
    assert pulled.status_code == 200, pulled.text
    assert still_writing and elapsed < 2, elapsed
    # The pull read the snapshot before the write: none of the writer's notes in it.
    notes = {c["data"]["notes"] for c in pulled.json()["changes"] if c["entity"] == "resident"}
    assert "一个很长的写事务" not in notes


async def test_a_read_only_request_that_tries_to_write_is_a_bug_not_a_write(api):
    from server.feed.capture import ReadOnlyViolation

    async with api.runtime.read_sessions() as session, session.begin():
        resident = (await session.scalars(Resident.__table__.select().limit(1))).first()
        assert resident is not None
    with pytest.raises(ReadOnlyViolation):
        async with api.runtime.read_sessions() as session, session.begin():
            row = await session.get(Resident, resident)
            row.notes = "不该写入"
            await session.flush()
