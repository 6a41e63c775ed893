"""The conflict log, read in scope: a manager reads their area's (the communities of their
subtree), anyone else the entries where their own value lost or stood."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tables import User
from server.conflicts.tables import ConflictEntry
from server.org import service as org
from server.residents.tables import Resident
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


@dataclass(frozen=True)
class ConflictLine:
    """A conflict as a supervisor reads it: whose record, which field, whose value lost."""

    at: datetime
    entity: str
    record_id: uuid.UUID
    record_name: str  # the resident's name ("" when the record is gone)
    field: str
    lost_value: Any
    kept_value: Any
    loser: str  # display names ("" for the seed's or an unknown writer)
    winner: str


async def lines(session: AsyncSession, entries: list[ConflictEntry]) -> list[ConflictLine]:
    """The entries with the names of the residents and people in them (two queries)."""
    resident_ids = {e.record_id for e in entries if e.entity == "resident"}
    people = {e.loser_id for e in entries} | {e.winner_id for e in entries}
    people.discard(None)
    names: dict[uuid.UUID, str] = {}
    if resident_ids:
        found = await session.execute(
            select(Resident.id, Resident.name).where(Resident.id.in_(resident_ids))
        )
        names |= {k: v for k, v in found.all()}
    who: dict[uuid.UUID, str] = {}
    if people:
        found = await session.execute(select(User.id, User.display_name).where(User.id.in_(people)))
        who = {k: v for k, v in found.all()}
    return [
        ConflictLine(
            at=e.at,
            entity=e.entity,
            record_id=e.record_id,
            record_name=names.get(e.record_id, ""),
            field=e.field,
            lost_value=e.lost_value,
            kept_value=e.kept_value,
            loser=who.get(e.loser_id, "") if e.loser_id else "",
            winner=who.get(e.winner_id, "") if e.winner_id else "",
        )
        for e in entries
    ]
