"""The pull's queries, built once: the feed after a position, for a set of scope keys.

Every sync runs them, so they are plain Core statements made at import, executed on the
session's connection (no ORM step), with the keys as one parameter: an array on PostgreSQL,
a JSON list on SQLite. An `IN` list would be rebuilt into SQL text on every call.
"""

import json
from typing import Any

from sqlalchemy import String, any_, bindparam, column, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from server.feed.tables import FeedClock, FeedEntry

HORIZON = select(FeedClock.horizon).where(FeedClock.id == 1)


def _statements(keys_match):
    # Positions strictly after (version, ord), written so the (key, version, ord) index
    # serves the range on version.
    after = (
        keys_match,
        FeedEntry.version >= bindparam("version"),
        or_(FeedEntry.version > bindparam("version"), FeedEntry.ord > bindparam("ord")),
    )
    page = (
        select(FeedEntry.version, FeedEntry.ord, FeedEntry.entity, FeedEntry.record_id)
        .where(*after)
        .distinct()
        .order_by(FeedEntry.version, FeedEntry.ord)
        .limit(bindparam("limit"))
    )
    remaining = select(func.count()).select_from(FeedEntry).where(*after)
    return page, remaining


_POSTGRESQL = _statements(FeedEntry.key == any_(bindparam("keys", type_=ARRAY(String))))
_SQLITE = _statements(
    FeedEntry.key.in_(select(column("value")).select_from(func.json_each(bindparam("keys"))))
)


def _for(session: AsyncSession, keys: list[str]) -> tuple[Any, Any, Any]:
    if session.bind.dialect.name == "postgresql":
        return (*_POSTGRESQL, keys)
    return (*_SQLITE, json.dumps(keys))


async def horizon(session: AsyncSession) -> int:
    connection = await session.connection()
    return (await connection.execute(HORIZON)).scalar_one()


async def page(
    session: AsyncSession, keys: list[str], version: int, ord_: int, limit: int
) -> tuple[list, int]:
    """Up to `limit` feed rows after the position, and about how many remain (0 if none)."""
    statement, remaining, bound_keys = _for(session, keys)
    connection = await session.connection()
    params = {"keys": bound_keys, "version": version, "ord": ord_}
    rows = (await connection.execute(statement, {**params, "limit": limit})).all()
    total = (await connection.execute(remaining, params)).scalar_one() if rows else 0
    return rows, total
