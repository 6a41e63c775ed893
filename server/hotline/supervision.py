"""Supervision (督办): inspectors' notes on requests, the responsible level's answers, and the
inspectors' list of requests overdue or rated poorly. Inspectors read; the only thing they
write is a note."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import Refusal
from server.hotline import timeline
from server.hotline.queries import (
    community_path,
    holder_path,
    overdue_clause,
    visible,
    visible_clause,
)
from server.hotline.schemas import RequestAction
from server.hotline.tables import HotlineRequest, SupervisionNote
from shared.enums import Role
from shared.permissions import Actor, may_answer_note, may_supervise_request
from shared.requests import POOR_RATING


async def add_note(
    session: AsyncSession, actor: Actor, request_id: UUID, text: str, now: datetime
) -> HotlineRequest:
    """An inspector's note on a request they read; the responsible level must answer it."""
    request = await visible(session, actor, request_id)
    if not may_supervise_request(
        actor, await community_path(session, request), await holder_path(session, request)
    ):
        raise Refusal("forbidden", "Only inspectors add supervision notes.")
    note = SupervisionNote(request_id=request.id, author_id=actor.user_id, at=now, text=text)
    session.add(note)
    await session.flush()
    timeline.record(
        session, request, actor, RequestAction.SUPERVISED, now, note=text, note_id=str(note.id)
    )
    return request


async def answer(
    session: AsyncSession,
    actor: Actor,
    request_id: UUID,
    note_id: UUID,
    text: str,
    now: datetime,
) -> HotlineRequest:
    """The responsible level answers a note: the department the request is routed to, or a
    manager of the office holding it. Each note is answered once."""
    request = await visible(session, actor, request_id)
    if not may_answer_note(
        actor,
        await community_path(session, request),
        await holder_path(session, request),
        request.department_id,
    ):
        raise Refusal("forbidden", "Only the level responsible for the request answers.")
    note = await session.get(SupervisionNote, note_id)
    if note is None or note.request_id != request.id:
        raise Refusal("not_found", "No such supervision note on this request.", 404)
    if note.answered_at is not None:
        raise Refusal("invalid_transition", "This note has been answered already.", 409)
    note.answer, note.answered_by, note.answered_at = text, actor.user_id, now
    timeline.record(
        session, request, actor, RequestAction.ANSWERED, now, note=text, note_id=str(note.id)
    )
    return request


async def watch_list(
    session: AsyncSession, actor: Actor, now: datetime, limit: int = 500
) -> list[HotlineRequest]:
    """The inspector's list: requests of their subtree overdue (open past their due time) or
    rated poorly (1–2), the overdue first, oldest first. Managers may read it too."""
    if not (actor.role is Role.INSPECTOR or actor.is_manager):
        raise Refusal("forbidden", "The supervision list is for inspectors and managers.")
    poorly = HotlineRequest.rating.is_not(None) & (HotlineRequest.rating <= POOR_RATING)
    rows = await session.scalars(
        select(HotlineRequest)
        .where(await visible_clause(session, actor), or_(overdue_clause(now), poorly))
        .order_by(HotlineRequest.due_at)
        .limit(limit)
    )
    return list(rows.all())


async def open_notes(session: AsyncSession, request_ids: list[UUID]) -> dict[UUID, int]:
    """How many unanswered notes each of these requests has."""
    if not request_ids:
        return {}
    rows = await session.scalars(
        select(SupervisionNote.request_id).where(
            SupervisionNote.request_id.in_(request_ids), SupervisionNote.answered_at.is_(None)
        )
    )
    counts: dict[UUID, int] = {}
    for request_id in rows.all():
        counts[request_id] = counts.get(request_id, 0) + 1
    return counts
