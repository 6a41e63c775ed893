"""Row lookups that a batch can prefetch, so a push of 500 mutations needs a few queries.

`prefetch` loads the rows a batch will ask for in one query per table and notes which ids are
absent; `find` then answers from the session without a round trip. `append` queues an append-only
row for one executemany per table and keeps it findable before it is written.
"""

from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.feed.capture import note
from server.records import record_of


def _absent(session: AsyncSession) -> dict[type, set[UUID]]:
    return session.info.setdefault("absent_ids", {})


def _added(session: AsyncSession) -> dict[tuple[type, UUID], Any]:
    return session.info.setdefault("added_rows", {})


async def prefetch(session: AsyncSession, table: type, ids: Iterable[UUID]) -> None:
    wanted = set(ids)
    if not wanted:
        return
    found: set[UUID] = set()
    ordered = list(wanted)
    for start in range(0, len(ordered), 900):
        chunk = ordered[start : start + 900]
        rows = (await session.scalars(select(table).where(table.id.in_(chunk)))).all()
        # The session holds rows weakly; keeping them here also makes lookups a dict access.
        known = session.info.setdefault("prefetched_rows", {})
        known.update({(table, row.id): row for row in rows})
        found.update(row.id for row in rows)
    _absent(session).setdefault(table, set()).update(wanted - found)


async def find(session: AsyncSession, table: type, record_id: UUID) -> Any:
    key = (table, record_id)
    known = _added(session).get(key) or session.info.get("prefetched_rows", {}).get(key)
    if known is not None:
        return known
    if record_id in _absent(session).get(table, ()):
        return None
    return await session.get(table, record_id)


def appends(session) -> dict[type, list[dict[str, Any]]]:
    """Append-only rows of this transaction, waiting for one insert per table."""
    return session.info.setdefault("append_rows", {})


async def append(session: AsyncSession, table: type, values: dict[str, Any]) -> Any:
    """Add an append-only record (a check-in, a service, assistance) without an ORM object.

    The row is written with the others of its table in one executemany (`write_appends`), and
    its change is noted for the feed at once. Returns a read-only view of the row.
    """
    if session.info.get("write_now"):
        await session.execute(insert(table.__table__), [values])
    else:
        appends(session).setdefault(table, []).append(values)
    row = SimpleNamespace(**values)
    _added(session)[(table, values["id"])] = row
    _absent(session).get(table, set()).discard(values["id"])
    if (record := record_of(table)) is not None:
        note(session.sync_session, record.entity, values["id"], record.keys_of(values))
    return row


async def write_appends(session: AsyncSession) -> None:
    for table, rows in appends(session).items():
        if rows:
            await session.execute(insert(table.__table__), rows)
    session.info.pop("append_rows", None)


def forget_batch(session: AsyncSession) -> None:
    """After a rollback, what was prefetched or added may no longer hold."""
    for key in ("absent_ids", "added_rows", "prefetched_rows", "append_rows"):
        session.info.pop(key, None)
