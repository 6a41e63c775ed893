"""The conflict log, read in scope: a manager reads their area's (the communities of their
subtree), anyone else the entries where their own value lost or stood."""

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.conflicts.tables import ConflictEntry
from server.org import service as org
from shared.permissions import Actor


async def _scoped(session: AsyncSession, actor: Actor):
    query = select(ConflictEntry)
    if actor.is_manager:
        ids = [u.id for u in await org.subtree(session, actor.unit_path)]
        return query.where(ConflictEntry.community_id.in_(ids))
    return query.where(
        or_(ConflictEntry.loser_id == actor.user_id, ConflictEntry.winner_id == actor.user_id)
    )


async def in_scope(
    session: AsyncSession, actor: Actor, limit: int, offset: int = 0
) -> list[ConflictEntry]:
    """The newest first."""
    query = await _scoped(session, actor)
    order = (ConflictEntry.at.desc(), ConflictEntry.id)
    rows = await session.scalars(query.order_by(*order).limit(limit).offset(offset))
    return list(rows.all())


async def count_in_scope(session: AsyncSession, actor: Actor) -> int:
    query = await _scoped(session, actor)
    return await session.scalar(select(func.count()).select_from(query.subquery())) or 0
