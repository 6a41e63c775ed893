"""The console's conflict log: a supervisor's area's values that did not stand, each naming the
resident, the field, both values and both people, newest first, a page at a time."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tables import User
from server.conflicts import service as conflicts
from server.conflicts.tables import ConflictEntry
from server.console.session import language, page
from server.console.strings import translator
from server.deps import Runtime_, Session, Viewer
from server.errors import Refusal
from server.residents.tables import Resident
from server.schemas import Offset
from shared.permissions import may_supervise

PAGE = 50


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


def _value(value, tr) -> str:
    """A field's value as words: yes/no for a flag, a dash for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    return str(value)


class ConflictPages(Controller):
    @get("/conflicts", name="console.conflicts")
    async def conflicts_page(
        self,
        request: Request,
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
        offset: Offset = 0,
    ) -> Template:
        if not may_supervise(viewer.actor):
            raise Refusal("forbidden", "The conflict log is for managers.", 403)
        tr = translator(language(request))
        entries = await conflicts.in_scope(db_session, viewer.actor, PAGE, offset)
        total = await conflicts.count_in_scope(db_session, viewer.actor)
        rows = [
            {
                "at": line.at,
                "resident": line.record_name or "—",
                "resident_id": line.record_id if line.record_name else None,
                "field": tr(f"field_{line.field}"),
                "lost": _value(line.lost_value, tr),
                "kept": _value(line.kept_value, tr),
                "loser": line.loser or tr("conflict_nobody"),
                "winner": line.winner or tr("conflict_nobody"),
            }
            for line in await lines(db_session, entries)
        ]
        return page(
            request,
            runtime,
            "conflicts.html",
            viewer,
            rows=rows,
            total=total,
            offset=offset,
            newer=max(offset - PAGE, 0) if offset else None,
            older=offset + PAGE if offset + PAGE < total else None,
        )
