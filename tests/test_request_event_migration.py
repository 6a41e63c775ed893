"""Migration 0005 turns the sentences old timelines stored into codes and parameters, on both
databases, and keeps what people wrote."""

import asyncio
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from server.db import create_engine_for
from server.db.migrate import alembic_config, upgrade
from server.db.types import UTCDateTime

OLD_EVENTS = sa.table(
    "request_event",
    sa.column("id", sa.Uuid()),
    sa.column("request_id", sa.Uuid()),
    sa.column("ordinal", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor_id", sa.Uuid()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("note", sa.String()),
)


async def _old_rows(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    """A request's timeline written the old way; returns the request's and assignee's ids."""
    engine = create_engine_for(url)
    try:
        async with engine.begin() as connection:
            request_id = (
                await connection.execute(sa.text("SELECT id FROM hotline_request LIMIT 1"))
            ).scalar_one()
            request_id = request_id if isinstance(request_id, uuid.UUID) else uuid.UUID(request_id)
            await connection.execute(
                sa.text("DELETE FROM request_event WHERE request_id = :r"),
                {"r": request_id.hex if url.startswith("sqlite") else request_id},
            )
            users = (
                await connection.execute(
                    sa.text("SELECT id, display_name FROM app_user WHERE username = 'worker1'")
                )
            ).one()
            worker_id = users[0] if isinstance(users[0], uuid.UUID) else uuid.UUID(users[0])
            dispatcher = (
                await connection.execute(
                    sa.text("SELECT id FROM app_user WHERE username = 'dispatcher'")
                )
            ).scalar_one()
            dispatcher = dispatcher if isinstance(dispatcher, uuid.UUID) else uuid.UUID(dispatcher)
            at = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
            old = [
                (dispatcher, "热线调度员 李娜", "received", "phone: 厨房水管漏水"),
                (dispatcher, "热线调度员 李娜", "dispatched", "和平春晖社区 水务局"),
                (dispatcher, "热线调度员 李娜", "assigned", users[1]),
                (worker_id, users[1], "resolved", "更换了水管接头"),
                (None, "系统", "rated", "2/5 还是漏"),
                (None, "系统", "reopened", "评价不满意，重新派单"),
                (None, "系统", "escalated", "超时，升级至街道"),
                (None, "系统", "escalated", "超时，升级至区"),
                (None, "系统", "escalated", "超时，区级督办"),
            ]
            await connection.execute(
                OLD_EVENTS.insert(),
                [
                    {
                        "id": uuid.uuid4(),
                        "request_id": request_id,
                        "ordinal": 100 + index,
                        "at": at,
                        "actor_id": actor_id,
                        "actor": actor,
                        "action": action,
                        "note": note,
                    }
                    for index, (actor_id, actor, action, note) in enumerate(old)
                ],
            )
        return request_id, worker_id
    finally:
        await engine.dispose()


async def _new_rows(url: str, request_id: uuid.UUID) -> list[tuple]:
    engine = create_engine_for(url)
    events = sa.table(
        "request_event",
        sa.column("request_id", sa.Uuid()),
        sa.column("ordinal", sa.Integer()),
        sa.column("actor_code", sa.String()),
        sa.column("action", sa.String()),
        sa.column("note", sa.String()),
        sa.column("params", sa.JSON()),
    )
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.select(events.c.actor_code, events.c.action, events.c.note, events.c.params)
                .where(events.c.request_id == request_id)
                .order_by(events.c.ordinal)
            )
            return [tuple(row) for row in rows.all()]
    finally:
        await engine.dispose()


def test_old_timelines_become_codes(database_url):
    command.downgrade(alembic_config(database_url), "0004")
    request_id, worker_id = asyncio.run(_old_rows(database_url))
    upgrade(database_url)
    assert asyncio.run(_new_rows(database_url, request_id)) == [
        ("user", "received", "厨房水管漏水", {"channel": "phone"}),
        ("user", "dispatched", "", {"community": "D01-S01-C01", "department": "水务局"}),
        ("user", "assigned", "", {"assignee_id": str(worker_id)}),
        ("user", "resolved", "更换了水管接头", {}),
        ("caller", "rated", "还是漏", {"score": 2}),
        ("caller", "reopened", "", {"reason": "poor_rating"}),
        ("system", "escalated", "", {"level": "subdistrict", "raised": True}),
        ("system", "escalated", "", {"level": "district", "raised": True}),
        ("system", "escalated", "", {"level": "district", "raised": False}),
    ]
