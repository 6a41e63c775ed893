"""Feed compaction: drop what no phone needs any more, and move the horizon.

Below the chosen version H, an entry is dropped when a later entry names the same record under
the same scope key (the later one carries the record's present state, so every cursor still
learns of it), or when its record no longer exists. The second kind can take a delete away from
a phone that has not pulled since, so the horizon moves to H: a cursor below it gets 410
`cursor_expired` (server/sync/cursor.py) and the phone starts over.

Versions carry no time, so the background round writes a mark an hour ("the feed was at version
V at hour T", in server_setting) and `--older-than DAYS` compacts below the newest mark at least
that old.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tables import ServerSetting
from server.feed.tables import FeedClock
from server.sync.records import RECORDS

_MARK = "feed_mark:"


@dataclass(frozen=True)
class Compaction:
    horizon: int  # cursors below this version now get 410
    removed: int  # feed entries deleted


def _mark_key(at: datetime) -> str:
    return _MARK + at.strftime("%Y-%m-%dT%H")


def _synced_tables() -> dict[str, str]:
    """entity → table name, for every table whose records go into the feed."""
    return {entity: record.table.__tablename__ for entity, record in RECORDS.items()}


async def mark(session: AsyncSession, now: datetime) -> None:
    """Note the feed's version for this hour, once."""
    key = _mark_key(now)
    if await session.get(ServerSetting, key) is None:
        clock = await session.get(FeedClock, 1)
        session.add(ServerSetting(key=key, value=str(clock.version)))


async def version_before(session: AsyncSession, cutoff: datetime, now: datetime) -> int | None:
    """The newest feed version known to be at least as old as `cutoff`; None if none is.

    Marks older than the one chosen are dropped: no later compaction needs them.
    """
    if cutoff >= now:
        return (await session.get(FeedClock, 1)).version
    found = (
        await session.execute(
            text(
                "SELECT key, value FROM server_setting WHERE key LIKE :prefix AND key <= :upto "
                "ORDER BY key DESC LIMIT 1"
            ),
            {"prefix": _MARK + "%", "upto": _mark_key(cutoff)},
        )
    ).first()
    if found is None:
        return None
    await session.execute(
        text("DELETE FROM server_setting WHERE key LIKE :prefix AND key < :key"),
        {"prefix": _MARK + "%", "key": found.key},
    )
    return int(found.value)


async def compact(session: AsyncSession, below: int) -> Compaction:
    """Compact the feed below version `below` and raise the horizon to it."""
    # Taking the feed clock's row lock first keeps two compactions from overlapping.
    clock = (
        await session.execute(
            text("UPDATE feed_clock SET horizon = horizon WHERE id = 1 RETURNING horizon, version")
        )
    ).one()
    below = min(below, clock.version)
    if below <= clock.horizon:
        return Compaction(clock.horizon, 0)
    superseded = await session.execute(
        text(
            "DELETE FROM feed_entry WHERE (version, ord, key) IN ("
            " SELECT version, ord, key FROM ("
            "  SELECT version, ord, key, ROW_NUMBER() OVER ("
            "   PARTITION BY key, entity, record_id ORDER BY version DESC, ord DESC) AS newer"
            "  FROM feed_entry) AS ranked"
            " WHERE newer > 1 AND version < :below)"
        ),
        {"below": below},
    )
    removed = superseded.rowcount
    for entity, table in _synced_tables().items():
        gone = await session.execute(
            text(
                f"DELETE FROM feed_entry WHERE entity = :entity AND version < :below "  # noqa: S608
                f"AND NOT EXISTS (SELECT 1 FROM {table} AS t WHERE t.id = feed_entry.record_id)"
            ),
            {"entity": entity, "below": below},
        )
        removed += gone.rowcount
    await session.execute(
        text("UPDATE feed_clock SET horizon = :below WHERE id = 1"), {"below": below}
    )
    return Compaction(below, removed)


async def compact_older_than(session: AsyncSession, days: float, now: datetime) -> Compaction:
    """Compact what the feed held `days` ago and before; nothing when no mark is that old."""
    below = await version_before(session, now - timedelta(days=days), now)
    if below is None:
        clock = await session.get(FeedClock, 1)
        return Compaction(clock.horizon, 0)
    return await compact(session, below)
