"""The pull's queries, built once: the feed after a position, for a set of scope keys.

Every sync runs them, so they are plain Core statements made at import, executed on the
session's connection (no ORM step), with the keys as one parameter: an array on PostgreSQL,
a JSON list on SQLite. An `IN` list would be rebuilt into SQL text on every call.

The page is read in one statement with the feed clock (its version and horizon, the one row
joined to the page), so both come from the same snapshot: every entry at or below that version
was committed when the page was read.
"""

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, any_, bindparam, column, func, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from server.feed.tables import FeedClock, FeedEntry


def _statements(keys_match):
    # Positions strictly after (version, ord), written so the (key, version, ord) index
    # serves the range on version.
    after = (
        keys_match,
        FeedEntry.version >= bindparam("version"),
        or_(FeedEntry.version > bindparam("version"), FeedEntry.ord > bindparam("ord")),
    )
    entries = (
        select(FeedEntry.version, FeedEntry.ord, FeedEntry.entity, FeedEntry.record_id)
        .where(*after)
        .distinct()
        .order_by(FeedEntry.version, FeedEntry.ord)
        .limit(bindparam("limit"))
        .subquery("entries")
    )
    clock = select(FeedClock.version, FeedClock.horizon).where(FeedClock.id == 1).subquery("clock")
    # One row of the clock, joined to each entry (or to none: an empty page is one row of NULLs).
    page = (
        select(
            clock.c.version.label("clock_version"),
            clock.c.horizon.label("clock_horizon"),
            entries.c.version,
            entries.c.ord,
            entries.c.entity,
            entries.c.record_id,
        )
        .select_from(clock.outerjoin(entries, true()))
        .order_by(entries.c.version, entries.c.ord)
    )
    remaining = select(func.count()).select_from(FeedEntry).where(*after)
    return page, remaining


# The page and count statements on each database, for the ORM's pull and the lean one.
POSTGRESQL = _statements(FeedEntry.key == any_(bindparam("keys", type_=ARRAY(String))))
SQLITE = _statements(
    FeedEntry.key.in_(select(column("value")).select_from(func.json_each(bindparam("keys"))))
)


def _for(session: AsyncSession, keys: list[str]) -> tuple[Any, Any, Any]:
    if session.bind.dialect.name == "postgresql":
        return (*POSTGRESQL, keys)
    return (*SQLITE, json.dumps(keys))


@dataclass(frozen=True)
class Page:
    rows: list  # up to `limit` feed rows after the position (version, ord, entity, record_id)
    remaining: int  # about how many remain from the position (0 if none)
    clock_version: int  # the feed clock's version in the page's snapshot
    clock_horizon: int  # and its compaction horizon


async def page(session: AsyncSession, keys: list[str], version: int, ord_: int, limit: int) -> Page:
    """Up to `limit` feed rows after the position, with the feed clock as the page saw it."""
    statement, remaining, bound_keys = _for(session, keys)
    connection = await session.connection()
    params = {"keys": bound_keys, "version": version, "ord": ord_}
    read = (await connection.execute(statement, {**params, "limit": limit})).all()
    clock = read[0]
    rows = [row for row in read if row.version is not None]
    total = (await connection.execute(remaining, params)).scalar_one() if rows else 0
    return Page(rows, total, clock.clock_version, clock.clock_horizon)
