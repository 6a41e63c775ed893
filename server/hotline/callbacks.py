"""回访 and 复核: the district's hotline staff call the caller back and record their answers; an
unsatisfied answer, like a poor rating, sends the request back for review (复核) to the level
that closed it."""

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import Refusal
from server.hotline import timeline
from server.hotline.holidays import span_hours
from server.hotline.intake import move
from server.hotline.queries import locked, visible
from server.hotline.schemas import ActorCode, CallbackBody, CallbackPublic, RequestAction
from server.hotline.tables import HotlineRequest, RequestCallback
from server.org.service import all_units
from shared import requests as machine
from shared.hotline_access import may_call_back
from shared.permissions import Actor

S = machine.RequestStatus
# A 回访 comes once the caller has been told the result.
CALLED_BACK_FROM = frozenset({S.FEEDBACK_GIVEN, S.CLOSED})


async def open_review(
    session: AsyncSession,
    request: HotlineRequest,
    actor: Actor | None,
    now: datetime,
    reason: str,
    actor_code: ActorCode | None = None,
) -> None:
    """复核: back to `dispatched` at the level that closed it — the department it is routed
    to, or the office holding it (the district when none) — for a new assignment."""
    limit = span_hours(request)
    move(request, "reopen", now, limit)
    request.reopened += 1
    request.assignee_id = None
    request.visit_id = None
    request.closed_at = None
    if request.department_id is not None:
        request.level = machine.Level.DEPARTMENT
    elif request.unit_id is not None:
        holder = (await all_units(session)).get(request.unit_id)
        request.level = machine.Level(holder.level) if holder else machine.Level.DISTRICT
    else:
        request.level = machine.Level.DISTRICT
    timeline.record(
        session,
        request,
        actor,
        RequestAction.REOPENED,
        now,
        actor_code=actor_code,
        reason=reason,
        level=request.level,
    )


async def call_back(
    session: AsyncSession, actor: Actor, request_id: UUID, body: CallbackBody, now: datetime
) -> CallbackPublic:
    """Record a 回访 (`may_call_back`). A satisfied answer closes a request waiting for its
    rating; an unsatisfied one opens 复核 (`open_review`). Answers from a caller not reached
    are refused: nobody gave them."""
    request = await visible(session, actor, request_id)
    if not may_call_back(actor):
        raise Refusal("forbidden", "Only the district's hotline staff record call-backs.")
    await locked(session, request.id)
    if request.merged_into is not None:
        raise Refusal("merged", "This request was merged: call back on its main request.", 409)
    if request.status not in CALLED_BACK_FROM:
        raise Refusal(
            "invalid_transition", "A call-back comes after the caller was told the result.", 409
        )
    if not body.reached and (body.satisfied is not None or body.resolved is not None):
        raise Refusal("not_reached", "A caller who was not reached gave no answers.", 422)
    row = RequestCallback(
        request_id=request.id,
        at=now,
        by_id=actor.user_id,
        method=body.method,
        reached=body.reached,
        resolved=body.resolved,
        satisfied=body.satisfied,
        note=body.note.strip(),
    )
    session.add(row)
    timeline.record(
        session,
        request,
        actor,
        RequestAction.CALLBACK,
        now,
        note=row.note,
        method=body.method,
        reached=body.reached,
        resolved=body.resolved,
        satisfied=body.satisfied,
    )
    if body.satisfied is False:
        await open_review(session, request, actor, now, "unsatisfied_callback")
    elif body.satisfied and request.status == S.FEEDBACK_GIVEN:
        limit = span_hours(request)
        move(request, "close", now, limit)
        request.closed_at = now
        timeline.record(session, request, actor, RequestAction.CLOSED, now)
    await session.flush()
    return CallbackPublic.from_row(row)
