"""Decisions a level above takes on what the level below asks: a department's return (退单审核:
the request waits in `return_review` until the district approves or refuses it) and a request
for more time (延期申请: the holding level asks so many working days; the level above approves,
which moves the due and warning times on the official calendar, or refuses). Each step goes on
the timeline; refusals: 403 for the wrong level, 409 for the wrong state, 422 for a rule."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import Refusal
from server.hotline import timeline
from server.hotline.dispatch import office_level, routed
from server.hotline.holidays import official_calendar, span_hours, time_limit
from server.hotline.intake import category, move
from server.hotline.queries import holder_path, visible
from server.hotline.schemas import RequestAction
from server.hotline.tables import HotlineRequest, RequestEvent, RequestExtension
from server.org.tables import Department
from server.visits import service as visits
from shared import requests as machine
from shared import workdays
from shared.levels import holds_at_level, may_decide_above
from shared.permissions import Actor, at_district_level

S = machine.RequestStatus
Level = machine.Level
# Where a request may still be given more time: open and not yet resolved.
EXTENDABLE = frozenset({S.RECEIVED, S.DISPATCHED, S.ASSIGNED, S.IN_PROGRESS, S.RETURN_REVIEW})


async def give_back(
    session: AsyncSession, actor: Actor, request_id: UUID, reason: str, now: datetime
) -> HotlineRequest:
    """A department returns the request, with the reason: it waits in `return_review` for the
    district's decision (the department still holds it meanwhile)."""
    request = await routed(session, actor, request_id)
    if not reason.strip():
        raise Refusal("reason_required", "Say why the request is returned.", 422)
    department = await session.get(Department, request.department_id)
    before = request.status
    move(request, "return", now, span_hours(request))
    request.level = Level.DISTRICT  # the district answers for the decision
    timeline.record(
        session,
        request,
        actor,
        RequestAction.RETURNED,
        now,
        note=reason.strip(),
        department_code=department.code if department else "",
        from_status=before,
        review=True,
    )
    return request


def _district(actor: Actor) -> None:
    if not (actor.is_manager and at_district_level(actor)):
        raise Refusal("forbidden", "Only the district's managers decide on a return.")


async def _status_before_return(session: AsyncSession, request: HotlineRequest) -> S:
    event = await session.scalar(
        select(RequestEvent)
        .where(
            RequestEvent.request_id == request.id,
            RequestEvent.action == RequestAction.RETURNED,
        )
        .order_by(RequestEvent.ordinal.desc())
        .limit(1)
    )
    return machine.refused_return(
        (event.params or {}).get("from_status", S.IN_PROGRESS) if event else S.IN_PROGRESS
    )


async def decide_return(
    session: AsyncSession,
    actor: Actor,
    request_id: UUID,
    approve: bool,
    reason: str | None,
    now: datetime,
) -> HotlineRequest:
    """The district approves a department's return (back to the office that sent it, no
    department) or refuses it (back to the department, where it was)."""
    request = await visible(session, actor, request_id)
    _district(actor)
    if request.status != S.RETURN_REVIEW:
        raise Refusal("invalid_transition", "No return of this request waits for review.", 409)
    department = await session.get(Department, request.department_id)
    facts = {"department_code": department.code if department else ""}
    note = (reason or "").strip()
    if approve:
        move(request, "approve_return", now, span_hours(request))
        request.department_id = None
        request.level = office_level(request)
        timeline.record(session, request, actor, RequestAction.RETURN_APPROVED, now, note, **facts)
        return request
    back = await _status_before_return(session, request)
    move(request, "refuse_return", now, span_hours(request))
    request.status = back
    request.stage_due_at = machine.stage_due(back, now, span_hours(request))
    request.level = Level.DEPARTMENT
    timeline.record(session, request, actor, RequestAction.RETURN_REFUSED, now, note, **facts)
    return request


def answering_level(request: HotlineRequest) -> Level:
    """The level answering for the request now: its `level`, except that a request not yet
    sent to any office or department (just received) is the district's."""
    if request.level == Level.DEPARTMENT and request.department_id is not None:
        return Level.DEPARTMENT
    if request.status == S.RECEIVED or request.unit_id is None:
        return Level.DISTRICT
    return Level(request.level)


async def _pending(session: AsyncSession, request_id: UUID) -> RequestExtension | None:
    return await session.scalar(
        select(RequestExtension).where(
            RequestExtension.request_id == request_id, RequestExtension.status == "pending"
        )
    )


async def ask_extension(
    session: AsyncSession, actor: Actor, request_id: UUID, days: int, reason: str, now: datetime
) -> RequestExtension:
    """The level holding the request asks for `days` more working days (one at a time)."""
    request = await visible(session, actor, request_id)
    holder = await holder_path(session, request)
    level = answering_level(request)
    if not holds_at_level(actor, level, holder, request.department_id):
        raise Refusal("forbidden", "Only the level holding the request asks for more time.")
    if request.status not in EXTENDABLE:
        raise Refusal("invalid_transition", "Only an unresolved request gets more time.", 409)
    if level == Level.DISTRICT:
        raise Refusal("no_level_above", "No level above the district decides on its time.", 422)
    if not reason.strip():
        raise Refusal("reason_required", "Say why more time is needed.", 422)
    if await _pending(session, request.id) is not None:
        raise Refusal("extension_pending", "An extension of this request is already waiting.", 409)
    extension = RequestExtension(
        request_id=request.id,
        days=days,
        reason=reason.strip(),
        level=level,
        asked_by=actor.user_id,
        asked_at=now,
    )
    session.add(extension)
    request.rev += 1
    timeline.record(
        session, request, actor, RequestAction.EXTENSION_ASKED, now, reason.strip(), days=days
    )
    await session.flush()
    return extension


async def decide_extension(
    session: AsyncSession,
    actor: Actor,
    request_id: UUID,
    approve: bool,
    reason: str | None,
    now: datetime,
) -> HotlineRequest:
    """The level above the one that asked approves (the due time moves by the days asked, on
    the official calendar, and the warning time with it) or refuses."""
    request = await visible(session, actor, request_id)
    extension = await _pending(session, request.id)
    holder = await holder_path(session, request)
    if extension is None:
        if not may_decide_above(actor, answering_level(request), holder):
            raise Refusal("forbidden", "Only the level above decides on more time.")
        raise Refusal("no_pending_extension", "No extension of this request waits.", 409)
    if not may_decide_above(actor, extension.level, holder):
        raise Refusal("forbidden", "Only the level above decides on more time.")
    if approve and request.status not in EXTENDABLE:
        # Resolved (or closed) while the extension waited: more time means nothing now.
        raise Refusal("invalid_transition", "Only an unresolved request gets more time.", 409)
    extension.status = "approved" if approve else "refused"
    extension.decided_by, extension.decided_at = actor.user_id, now
    extension.decision_reason = (reason or "").strip()
    if not approve:
        request.rev += 1
        timeline.record(
            session,
            request,
            actor,
            RequestAction.EXTENSION_REFUSED,
            now,
            extension.decision_reason,
            days=extension.days,
        )
        return request
    calendar = await official_calendar(session)
    unit = time_limit(await category(session, request.category_code)).unit
    request.due_at = workdays.add_working_days(calendar, request.due_at, extension.days)
    request.warning_at = workdays.warning_at(calendar, request.received_at, request.due_at, unit)
    request.rev += 1
    if request.visit_id is not None:  # the worker's visit for it is due later too
        await visits.reschedule(session, request.visit_id, request.due_at)
    timeline.record(
        session,
        request,
        actor,
        RequestAction.EXTENSION_APPROVED,
        now,
        extension.decision_reason,
        days=extension.days,
        due_at=request.due_at.isoformat(),
    )
    return request


async def pending_decisions(session: AsyncSession, actor: Actor) -> list[HotlineRequest]:
    """The requests waiting for this actor's decision: returns under review (the district) and
    extensions asked by the level below."""
    waiting: dict[UUID, HotlineRequest] = {}
    if actor.is_manager and at_district_level(actor):
        rows = await session.scalars(
            select(HotlineRequest).where(HotlineRequest.status == S.RETURN_REVIEW)
        )
        waiting |= {r.id: r for r in rows.all()}
    asked = await session.execute(
        select(HotlineRequest, RequestExtension.level)
        .join(RequestExtension, RequestExtension.request_id == HotlineRequest.id)
        .where(RequestExtension.status == "pending")
    )
    for request, level in asked.all():
        if may_decide_above(actor, level, await holder_path(session, request)):
            waiting[request.id] = request
    return sorted(waiting.values(), key=lambda r: r.due_at)
