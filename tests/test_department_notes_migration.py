"""Migration 0020 moves the old free-text department of each request into a note on its
timeline and drops the column, on both databases; a request without one gets no note, and
going back down puts the text back where it was."""

import asyncio
import uuid
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import command

from server.console.strings import describe, translator
from server.db import create_engine_for
from server.db.migrate import alembic_config, upgrade

REQUESTS = sa.table(
    "hotline_request", sa.column("id", sa.Uuid()), sa.column("department", sa.String())
)
EVENTS = sa.table(
    "request_event",
    sa.column("request_id", sa.Uuid()),
    sa.column("ordinal", sa.Integer()),
    sa.column("actor_code", sa.String()),
    sa.column("action", sa.String()),
    sa.column("note", sa.String()),
    sa.column("params", sa.JSON()),
)


async def _run(url: str, work):
    engine = create_engine_for(url)
    try:
        async with engine.begin() as connection:
            return await work(connection)
    finally:
        await engine.dispose()


async def _two_requests(connection) -> tuple[uuid.UUID, uuid.UUID]:
    """One request holding the old box's "城管局XYZ", one holding nothing."""
    ids = (await connection.execute(sa.select(REQUESTS.c.id).limit(2))).scalars().all()
    await connection.execute(REQUESTS.update().values(department=""))
    await connection.execute(
        REQUESTS.update().where(REQUESTS.c.id == ids[0]).values(department=" 城管局XYZ ")
    )
    return ids[0], ids[1]


def _notes(request_id):
    async def read(connection) -> list[tuple]:
        rows = await connection.execute(
            sa.select(EVENTS.c.ordinal, EVENTS.c.actor_code, EVENTS.c.note, EVENTS.c.params).where(
                EVENTS.c.request_id == request_id, EVENTS.c.action == "noted"
            )
        )
        return [tuple(row) for row in rows.all()]

    return read


async def _columns(connection) -> set[str]:
    names = await connection.run_sync(
        lambda sync: {c["name"] for c in sa.inspect(sync).get_columns("hotline_request")}
    )
    return names


def test_the_free_text_department_becomes_a_note_and_its_column_goes(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, "0019")
    assert "department" in asyncio.run(_run(database_url, _columns))
    held, empty = asyncio.run(_run(database_url, _two_requests))
    upgrade(database_url)
    assert "department" not in asyncio.run(_run(database_url, _columns))
    assert asyncio.run(_run(database_url, _notes(held))) == [
        (0, "system", "城管局XYZ", {"field": "department"})
    ]
    assert asyncio.run(_run(database_url, _notes(empty))) == []
    # Down again: the text is back on the request and the note gone.
    command.downgrade(config, "0019")
    back = asyncio.run(
        _run(
            database_url,
            lambda c: c.execute(sa.select(REQUESTS.c.id, REQUESTS.c.department)),
        )
    )
    assert {row[0]: row[1] for row in back.all()}[held] == "城管局XYZ"
    assert asyncio.run(_run(database_url, _notes(held))) == []
    upgrade(database_url)


def test_the_console_words_the_moved_note_in_both_languages():
    event = SimpleNamespace(action="noted", params={"field": "department"}, note="城管局XYZ")
    assert describe(event, translator("zh")) == "原责任部门（旧版手填） · 城管局XYZ"
    assert describe(event, translator("en")) == "Former free-text department · 城管局XYZ"
    assert translator("zh")("a_noted") == "备注"
