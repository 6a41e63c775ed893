"""Migration 0014 turns the sentences old alerts stored into a code and its facts, on both
databases; the API words them again at the edge, and the console in the reader's language."""

import asyncio
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from server.db import create_engine_for
from server.db.migrate import alembic_config, upgrade
from server.db.types import UTCDateTime
from shared import words

OLD_ALERTS = sa.table(
    "alert",
    sa.column("id", sa.Uuid()),
    sa.column("kind", sa.String()),
    sa.column("visit_id", sa.Uuid()),
    sa.column("resident_id", sa.Uuid()),
    sa.column("community_id", sa.Uuid()),
    sa.column("message", sa.String()),
    sa.column("raised_at", UTCDateTime()),
)
NEW_ALERTS = sa.table("alert", sa.column("id", sa.Uuid()), sa.column("params", sa.JSON()))


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def _old_alerts(url: str) -> tuple[uuid.UUID, uuid.UUID, str]:
    """Two alerts as they were stored: one in the old sentence, one in a sentence of another
    shape (its facts come from the resident and the visit). Returns both ids and the name."""
    engine = create_engine_for(url)
    try:
        async with engine.begin() as connection:
            visit_id, resident_id, community_id = (
                await connection.execute(
                    sa.text("SELECT id, resident_id, community_id FROM visit LIMIT 1")
                )
            ).one()
            name = (
                await connection.execute(
                    sa.text("SELECT name FROM resident WHERE id = :r"), {"r": resident_id}
                )
            ).scalar_one()
            said, other = uuid.uuid4(), uuid.uuid4()
            at = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
            common = {"kind": "missed_visit", "raised_at": at}
            await connection.execute(
                OLD_ALERTS.insert(),
                [
                    {
                        **common,
                        "id": said,
                        "visit_id": None,
                        "resident_id": None,
                        "community_id": _uuid(community_id),
                        "message": "王秀英的探访已超过截止时间（2026-11-18）仍未完成",
                    },
                    {
                        **common,
                        "id": other,
                        "visit_id": _uuid(visit_id),
                        "resident_id": _uuid(resident_id),
                        "community_id": _uuid(community_id),
                        "message": "探访逾期",
                    },
                ],
            )
        return said, other, name
    finally:
        await engine.dispose()


async def _params(url: str) -> dict[uuid.UUID, dict]:
    engine = create_engine_for(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(sa.select(NEW_ALERTS.c.id, NEW_ALERTS.c.params))
            return {_uuid(i): params for i, params in rows.all()}
    finally:
        await engine.dispose()


def test_old_alert_sentences_become_codes(database_url):
    command.downgrade(alembic_config(database_url), "0013")
    said, other, name = asyncio.run(_old_alerts(database_url))
    upgrade(database_url)
    params = asyncio.run(_params(database_url))
    assert params[said] == {"name": "王秀英", "due": "2026-11-18"}
    assert params[other]["name"] == name and len(params[other]["due"]) == 10
    # Worded at the edge, the same sentence as before in Chinese, and in English too.
    assert (
        words.word("alert.missed_visit", "zh", **params[said])
        == "王秀英的探访已超过截止时间（2026-11-18）仍未完成"
    )
    assert "王秀英" in words.word("alert.missed_visit", "en", **params[said])
    # And back: the downgrade writes the sentence again.
    command.downgrade(alembic_config(database_url), "0013")
    upgrade(database_url)
    assert asyncio.run(_params(database_url))[said] == params[said]
