"""Migration 0016 turns the fixed phrases old visits stored as their title or cancel reason into
codes, on both databases, and leaves a person's own words alone; the API words them again in
Chinese, the console and the phone in the reader's language."""

import asyncio
import uuid

import sqlalchemy as sa
from alembic import command

from server.db import create_engine_for
from server.db.migrate import alembic_config, upgrade
from shared.visits import cancel_words, title_words

VISITS = sa.table(
    "visit",
    sa.column("id", sa.Uuid()),
    sa.column("title", sa.String()),
    sa.column("cancel_reason", sa.String()),
)
CODED = sa.table(
    "visit",
    sa.column("id", sa.Uuid()),
    sa.column("title", sa.String()),
    sa.column("title_code", sa.String()),
    sa.column("cancel_reason", sa.String()),
    sa.column("cancel_code", sa.String()),
)
OLD = {  # as the plans, the mentoring service and a person wrote them before 0016
    0: ("独居老人定期探访", ""),
    1: ("一帮一定期走访", "一帮一结对已解除"),
    2: ("上门服务", "住院了，下周再约"),
    3: ("给王大爷送药", ""),
}


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def _write_old(url: str) -> list[uuid.UUID]:
    engine = create_engine_for(url)
    try:
        async with engine.begin() as connection:
            ids = [
                _uuid(i)
                for i in (
                    await connection.execute(sa.text("SELECT id FROM visit ORDER BY id LIMIT 4"))
                ).scalars()
            ]
            for n, visit_id in enumerate(ids):
                title, reason = OLD[n]
                await connection.execute(
                    VISITS.update()
                    .where(VISITS.c.id == visit_id)
                    .values(title=title, cancel_reason=reason)
                )
        return ids
    finally:
        await engine.dispose()


async def _read(url: str, table: sa.Table, ids: list[uuid.UUID]) -> list[dict]:
    engine = create_engine_for(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(sa.select(table).where(table.c.id.in_(ids)))
            found = {_uuid(row.id): dict(row._mapping) for row in rows}
        return [found[i] for i in ids]
    finally:
        await engine.dispose()


def test_old_visit_phrases_become_codes_and_come_back(database_url):
    command.downgrade(alembic_config(database_url), "0015")
    ids = asyncio.run(_write_old(database_url))
    upgrade(database_url)
    rows = asyncio.run(_read(database_url, CODED, ids))
    assert [(r["title"], r["title_code"]) for r in rows] == [
        ("", "elder_visit_regular"),
        ("", "mentoring_visit_regular"),
        ("", "home_service"),
        ("给王大爷送药", ""),
    ]
    assert [(r["cancel_reason"], r["cancel_code"]) for r in rows] == [
        ("", ""),
        ("", "mentoring_ended"),
        ("住院了，下周再约", ""),
        ("", ""),
    ]
    # Worded at the edge: the same phrase as before in Chinese, English on English screens.
    assert [title_words(r, "zh") for r in rows] == [title for title, _ in OLD.values()]
    assert [cancel_words(r, "zh") for r in rows] == [reason for _, reason in OLD.values()]
    assert title_words(rows[0], "en") == "Regular visit to an elder living alone"
    assert cancel_words(rows[1], "en") == "The one-helps-one pairing has ended"
    assert title_words(rows[3], "en") == "给王大爷送药"  # a person's words are data
    # And back: the downgrade writes the phrases again.
    command.downgrade(alembic_config(database_url), "0015")
    assert [
        (r["title"], r["cancel_reason"]) for r in asyncio.run(_read(database_url, VISITS, ids))
    ] == list(OLD.values())
    upgrade(database_url)
