"""A request's way from dispatch to its rating: dispatch, assignment, the linked visit's
moves, verification, feedback, rating, and escalation of overdue requests. Times come in as
`now`, so tests control the clock."""

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import utcnow
from server.errors import Refusal
from server.hotline import timeline
from server.hotline.callbacks import open_review
from server.hotline.holidays import span_hours
from server.hotline.intake import move
from server.hotline.queries import assignable, community_path, holder_path, visible
from server.hotline.schemas import ActorCode, RequestAction
from server.hotline.tables import HotlineRequest
from server.residents.tables import Resident
from server.visits import service as visits
from server.visits.events import VisitMoved, on_visit_moved
from shared import mutations as m
from shared import requests as machine
from shared.enums import VisitKind
from shared.permissions import Actor, may_act_on_request

S = machine.RequestStatus


async def _limit(session: AsyncSession, request: HotlineRequest) -> float:
    return span_hours(request)


async def managed(session: AsyncSession, actor: Actor, request_id: UUID) -> HotlineRequest:
    """The request, if the actor sees it and may act on it (`may_act_on_request`)."""
    request = await visible(session, actor, request_id)
    if not may_act_on_request(
        actor, await community_path(session, request), await holder_path(session, request)
    ):
        raise Refusal("forbidden", "Only dispatchers and supervisors do this.")
    return request


async def assign(
    session: AsyncSession, actor: Actor, request_id: UUID, assignee_id: UUID, now: datetime
) -> HotlineRequest:
    """Give the request to a worker of its community: a visit appears on their phone (the
    visits service checks `may_be_assigned`)."""
    request = await managed(session, actor, request_id)
    if request.department_id is not None:
        raise Refusal(
            "department_holds", "A department holds this request: it is theirs to resolve.", 409
        )
    if request.community_id is None:
        raise Refusal("community_required", "Send the request to a community first.", 400)
    # Checked before anything is written: a community with nobody to take the work, or a
    # person who may not take it, is a clear refusal (never a half-made resident or visit).
    candidates = {a.id for a in await assignable(session, actor, request_id)}
    if not candidates:
        raise Refusal("no_assignee", "Nobody in this community may be given this request.", 409)
    if assignee_id not in candidates:
        raise Refusal("out_of_scope", "Only a worker or mentor of the community takes its work.")
    move(request, "assign", now, await _limit(session, request))
    if request.resident_id is None:
        # The caller is a resident of the community, so a visit can name them: the one known
        # by that name and phone there, or a new one (never a second record of the same person).
        resident = await session.scalar(
            select(Resident)
            .where(
                Resident.community_id == request.community_id,
                Resident.name == request.caller_name,
                Resident.phone == request.caller_phone,
            )
            .order_by(Resident.created_at)
            .limit(1)
        )
        if resident is None:
            resident = Resident(
                name=request.caller_name,
                phone=request.caller_phone,
                address=request.address,
                community_id=request.community_id,
            )
            session.add(resident)
            await session.flush()
        request.resident_id = resident.id
    if request.visit_id is not None:
        await visits.assign(
            session, actor, m.VisitAssign(visit_id=request.visit_id, assignee_id=assignee_id)
        )
    else:
        visit = await visits.create(
            session,
            actor,
            request.resident_id,
            assignee_id,
            VisitKind.REQUEST,
            request.due_at,
            request.number,
            request_id=request.id,
        )
        await session.flush()
        request.visit_id = visit.id
    request.assignee_id = assignee_id
    timeline.record(
        session, request, actor, RequestAction.ASSIGNED, now, assignee_id=str(assignee_id)
    )
    return request


async def verify(
    session: AsyncSession,
    actor: Actor,
    request_id: UUID,
    decision: str,
    reason: str | None,
    now: datetime | None = None,
) -> HotlineRequest:
    """Verify the resolution or send it back: the supervisor's decision on the request's visit
    (which moves the request through `follow_visit`)."""
    request = await managed(session, actor, request_id)
    if request.visit_id is None and request.department_id is not None:
        return await _verify_department(session, actor, request, decision, reason, now)
    if request.visit_id is None:
        raise Refusal("invalid_transition", "This request has no visit to verify yet.", 409)
    await visits.decide(
        session,
        actor,
        m.ApprovalDecide(visit_id=request.visit_id, decision=decision, reason=reason),
    )
    return request


async def _verify_department(
    session: AsyncSession,
    actor: Actor,
    request: HotlineRequest,
    decision: str,
    reason: str | None,
    now: datetime | None,
) -> HotlineRequest:
    """A department's resolution, verified by the office that holds the request, or sent
    back to the department (reason required)."""
    now = now or utcnow()
    if decision == "reject" and not (reason or "").strip():
        raise Refusal("reason_required", "Say why the resolution is sent back.", 422)
    step, action = ("verify", RequestAction.VERIFIED)
    if decision == "reject":
        step, action = ("send_back", RequestAction.SENT_BACK)
    move(request, step, now, await _limit(session, request))
    if step == "verify":
        request.verified_at = now
    timeline.record(session, request, actor, action, now, note=(reason or "").strip())
    return request


# What each move of the linked visit does to the request, and the step the timeline records.
_FOLLOW = {
    "start": ("start", RequestAction.STARTED),
    "complete": ("resolve", RequestAction.RESOLVED),
    "approve": ("verify", RequestAction.VERIFIED),
    "return": ("send_back", RequestAction.SENT_BACK),
}


@on_visit_moved
async def follow_visit(session: AsyncSession, event: VisitMoved) -> None:
    """The linked visit moved: start → in_progress, complete → resolved, approve → verified,
    return → sent back to in_progress."""
    visit = event.visit
    if visit.request_id is None:
        return
    request = await session.get(HotlineRequest, visit.request_id)
    if request is None:
        return
    step, action = _FOLLOW[event.move]
    if step == "start" and request.status == S.IN_PROGRESS:
        return  # a sent-back request is started again by the same visit
    move(request, step, event.at, await _limit(session, request))
    if step == "resolve":
        request.resolved_at = event.at
    if step == "verify":
        request.verified_at = event.at
    note = {"resolve": visit.summary, "send_back": visit.return_reason}.get(step) or ""
    timeline.record(session, request, event.actor, action, event.at, note=note)


async def give_feedback(
    session: AsyncSession, actor: Actor, request_id: UUID, note: str, now: datetime
) -> HotlineRequest:
    """Record what the resident was told."""
    request = await managed(session, actor, request_id)
    move(request, "feedback", now, await _limit(session, request))
    request.feedback = note
    timeline.record(session, request, actor, RequestAction.FEEDBACK_GIVEN, now, note=note)
    return request


async def rate(
    session: AsyncSession,
    actor: Actor | None,
    request: HotlineRequest,
    score: int,
    comment: str,
    now: datetime,
) -> HotlineRequest:
    """The resident's rating (taken by a manager, or given by the caller: `actor` None).
    3–5 closes the request; 1–2 opens 复核 (`open_review`) for a new assignment."""
    action = machine.after_rating(score)
    if request.status != S.FEEDBACK_GIVEN:
        raise Refusal("invalid_transition", "This request is not waiting for a rating.", 409)
    by = ActorCode.USER if actor is not None else ActorCode.CALLER
    request.rating, request.rating_comment = score, comment
    timeline.record(session, request, actor, RequestAction.RATED, now, comment, by, score=score)
    if action == "close":
        move(request, action, now, await _limit(session, request))
        request.closed_at = now
        timeline.record(session, request, actor, RequestAction.CLOSED, now, actor_code=by)
    else:
        await open_review(session, request, actor, now, "poor_rating", by)
    return request


async def rate_as_manager(
    session: AsyncSession, actor: Actor, request_id: UUID, score: int, comment: str, now: datetime
) -> HotlineRequest:
    """A rating the resident gave on the phone, recorded by a dispatcher or supervisor."""
    return await rate(
        session, actor, await managed(session, actor, request_id), score, comment, now
    )


async def escalate_overdue(session: AsyncSession, now: datetime) -> list[HotlineRequest]:
    """Every request whose stage is overdue goes one level up (community → subdistrict →
    district), once per stage limit; at the top the district presses for action. Returns
    those escalated."""
    overdue = (
        await session.scalars(
            select(HotlineRequest)
            .where(HotlineRequest.stage_due_at < now, HotlineRequest.status != S.CLOSED)
            # Another server process escalating the same rows skips them (PostgreSQL; SQLite
            # runs one writer at a time).
            .with_for_update(skip_locked=True)
        )
    ).all()
    for request in overdue:
        higher = machine.level_up(request.level)
        limit = await _limit(session, request)
        request.stage_due_at = now + timedelta(hours=max(limit * 0.2, 0.25))
        request.escalations += 1
        if higher is not None:
            request.level = higher
        request.rev += 1
        timeline.record(
            session,
            request,
            None,
            RequestAction.ESCALATED,
            now,
            level=request.level,
            raised=higher is not None,
        )
    return list(overdue)
