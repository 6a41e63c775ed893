"""Row lookups that a batch can prefetch, so a push of 500 mutations needs a few queries.

`prefetch` loads the rows a batch will ask for in one query per table and notes which ids are
absent; `find` then answers from the session without a round trip. `remember` keeps a row added
in this transaction findable before it is flushed.
"""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


def _absent(session: AsyncSession) -> dict[type, set[UUID]]:
    return session.info.setdefault("absent_ids", {})


def _added(session: AsyncSession) -> dict[tuple[type, UUID], Any]:
    return session.info.setdefault("added_rows", {})


async def prefetch(session: AsyncSession, table: type, ids: Iterable[UUID]) -> None:
    wanted = set(ids)
    if not wanted:
        return
    found: set[UUID] = set()
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 900):
        chunk = ordered[start : start + 900]
        rows = (await session.scalars(select(table).where(table.id.in_(chunk)))).all()
        # The session holds rows weakly; keep them for the batch so lookups stay free.
        session.info.setdefault("prefetched_rows", []).extend(rows)
        found.update(row.id for row in rows)
    _absent(session).setdefault(table, set()).update(wanted - found)


async def find(session: AsyncSession, table: type, record_id: UUID) -> Any:
    added = _added(session).get((table, record_id))
    if added is not None:
        return added
    if record_id in _absent(session).get(table, ()):
        return None
    return await session.get(table, record_id)


def remember(session: AsyncSession, row: Any) -> None:
    session.add(row)
    _added(session)[(type(row), row.id)] = row
    _absent(session).get(type(row), set()).discard(row.id)


def forget_batch(session: AsyncSession) -> None:
    """After a rollback, what was prefetched or added may no longer hold."""
    for key in ("absent_ids", "added_rows", "prefetched_rows"):
        session.info.pop(key, None)
