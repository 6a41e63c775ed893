"""The hotline's domain logic: intake, dispatch, assignment, the worker's visit, verification,
feedback, rating, escalation, and the views of supervision. Times come in as `now`, so tests
control the clock."""

from datetime import datetime, timedelta
from statistics import median
from typing import Any
from uuid import UUID

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import service as audit
from server.auth.tables import User
from server.catalogue.tables import ServiceCategory
from server.errors import Refusal
from server.org.service import all_units, subtree, unit_path
from server.org.tables import OrgUnit
from server.requests.tables import HotlineRequest, RequestCounter, RequestEvent
from server.residents.tables import Resident
from shared import requests as lifecycle
from shared.enums import OrgLevel, Role, VisitKind
from shared.orgtree import contains
from shared.permissions import Actor, manages, sees_resident

S = lifecycle.RequestStatus


async def _event(
    session: AsyncSession,
    request: HotlineRequest,
    actor: Actor | None,
    action: str,
    note: str,
    now: datetime,
) -> None:
    name = ""
    if actor is not None:
        user = await session.get(User, actor.user_id)
        name = user.display_name if user else ""
    request.rev += 1  # the event's ordinal: steps taken in one instant keep their order
    session.add(
        RequestEvent(
            request_id=request.id,
            ordinal=request.rev,
            at=now,
            actor_id=actor.user_id if actor else None,
            actor=name or "系统",
            action=action,
            note=note,
        )
    )
    audit.record(
        session, actor, f"request.{action}", "request", request.id, request.community_id, note=note
    )


def _move(request: HotlineRequest, action: str, now: datetime, limit_hours: int) -> None:
    try:
        request.status = lifecycle.transition(request.status, action)
    except lifecycle.RequestRefused as refused:
        raise Refusal("invalid_transition", refused.message, 409) from None
    request.stage_started_at = now
    request.stage_due_at = lifecycle.stage_due(request.status, now, limit_hours)
    request.rev += 1


async def _category(session: AsyncSession, code: str) -> ServiceCategory:
    category = await session.scalar(select(ServiceCategory).where(ServiceCategory.code == code))
    if category is None:
        raise Refusal("unknown_category", f"No service category {code!r}.", 400)
    return category


async def _number(session: AsyncSession, now: datetime) -> str:
    day = now.strftime("%y%m%d")
    # The row lock serialises numbering within a day, like the feed clock.
    bumped = await session.scalar(
        update(RequestCounter)
        .where(RequestCounter.day == day)
        .values(last=RequestCounter.last + 1)
        .returning(RequestCounter.last)
    )
    if bumped is None:
        session.add(RequestCounter(day=day, last=1))
        await session.flush()
        bumped = 1
    return f"{day}-{bumped:04d}"


async def community_for_address(session: AsyncSession, address: str) -> OrgUnit | None:
    """The community whose name the address contains (the longest such name wins)."""
    matches = [
        u
        for u in (await all_units(session)).values()
        if u.level == OrgLevel.COMMUNITY and u.name and u.name in address
    ]
    return max(matches, key=lambda u: len(u.name)) if matches else None


async def create(
    session: AsyncSession, actor: Actor, values: dict[str, Any], now: datetime
) -> HotlineRequest:
    category = await _category(session, values["category_code"])
    resident = None
    if values.get("resident_id"):
        resident = await session.get(Resident, values["resident_id"])
        if resident is None or not sees_resident(
            actor, await unit_path(session, resident.community_id), resident.mentor_id
        ):
            raise Refusal("not_found", "No such resident in your area.", 404)
    community = None
    if resident is not None:
        community = (await all_units(session)).get(resident.community_id)
    else:
        community = await community_for_address(session, values["address"])
    if actor.role in (Role.WORKER, Role.SUPERVISOR, Role.MENTOR):
        if resident is None and (
            community is None or not contains(actor.unit_path, community.path)
        ):
            raise Refusal(
                "out_of_scope", "A request from the field must name a resident of your area."
            )
    elif actor.role not in (Role.DISPATCHER, Role.ADMIN):
        raise Refusal("forbidden", "You may not register requests.")
    request = HotlineRequest(
        number=await _number(session, now),
        channel=values["channel"],
        caller_name=values["caller_name"],
        caller_phone=values["caller_phone"],
        address=values["address"],
        resident_id=resident.id if resident else None,
        category_code=category.code,
        department=category.department,
        description=values["description"],
        community_id=community.id if community else None,
        status=S.RECEIVED,
        received_at=now,
        due_at=now + timedelta(hours=category.time_limit_hours),
        stage_started_at=now,
        stage_due_at=lifecycle.stage_due(S.RECEIVED, now, category.time_limit_hours),
        created_by=actor.user_id,
    )
    if values.get("id"):
        request.id = values["id"]
    session.add(request)
    await session.flush()
    await _event(
        session,
        request,
        actor,
        "received",
        f"{values['channel']}: {values['description'][:200]}",
        now,
    )
    # From the field, the request is already where it belongs: the worker's own community.
    if actor.role in (Role.WORKER, Role.MENTOR, Role.SUPERVISOR) and community is not None:
        _move(request, "dispatch", now, category.time_limit_hours)
        await _event(session, request, actor, "dispatched", community.name, now)
    return request


async def _limit(session: AsyncSession, request: HotlineRequest) -> int:
    return (await _category(session, request.category_code)).time_limit_hours


async def visible(session: AsyncSession, actor: Actor, request_id: UUID) -> HotlineRequest:
    request = await session.get(HotlineRequest, request_id)
    if request is None or not await _sees(session, actor, request):
        raise Refusal("not_found", "No such request in your area.", 404)
    return request


async def _sees(session: AsyncSession, actor: Actor, request: HotlineRequest) -> bool:
    if not actor.is_manager:
        return request.assignee_id == actor.user_id
    if request.community_id is None:
        return "/" not in actor.unit_path  # unplaced requests belong to the district
    return manages(actor, await unit_path(session, request.community_id))


async def _managed(session: AsyncSession, actor: Actor, request_id: UUID) -> HotlineRequest:
    request = await visible(session, actor, request_id)
    if not actor.is_manager:
        raise Refusal("forbidden", "Only dispatchers and supervisors do this.")
    return request


async def dispatch(
    session: AsyncSession,
    actor: Actor,
    request_id: UUID,
    community_code: str | None,
    department: str | None,
    now: datetime,
) -> HotlineRequest:
    request = await _managed(session, actor, request_id)
    if community_code:
        community = next(
            (
                u
                for u in (await all_units(session)).values()
                if u.code == community_code and u.level == OrgLevel.COMMUNITY
            ),
            None,
        )
        if community is None:
            raise Refusal("not_found", "No such community.", 404)
        if not manages(actor, community.path):
            raise Refusal("out_of_scope", "That community is outside your part of the tree.")
        request.community_id = community.id
    if department:
        request.department = department
    if request.community_id is None:
        raise Refusal("community_required", "Say which community answers for this request.", 400)
    _move(request, "dispatch", now, await _limit(session, request))
    request.level = lifecycle.Level.COMMUNITY
    units = await all_units(session)
    await _event(
        session,
        request,
        actor,
        "dispatched",
        f"{units[request.community_id].name} {request.department}".strip(),
        now,
    )
    return request


async def assign(
    session: AsyncSession, actor: Actor, request_id: UUID, assignee_id: UUID, now: datetime
) -> HotlineRequest:
    from server.visits import service as visits

    request = await _managed(session, actor, request_id)
    _move(request, "assign", now, await _limit(session, request))
    if request.resident_id is None:
        # The caller becomes a resident of the community, so a visit can name them.
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
        from shared import mutations as m

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
            f"诉求 {request.number}",
            request_id=request.id,
        )
        await session.flush()
        request.visit_id = visit.id
    request.assignee_id = assignee_id
    assignee = await session.get(User, assignee_id)
    await _event(session, request, actor, "assigned", assignee.display_name, now)
    return request


async def on_visit(session: AsyncSession, actor: Actor, visit, action: str, now: datetime) -> None:
    """The linked visit moved: start → in_progress, complete → resolved, approve → verified,
    return → sent back to in_progress."""
    request = await session.get(HotlineRequest, visit.request_id)
    if request is None:
        return
    step = {"start": "start", "complete": "resolve", "approve": "verify", "return": "send_back"}[
        action
    ]
    if step == "start" and request.status == S.IN_PROGRESS:
        return  # a sent-back request is started again by the same visit
    _move(request, step, now, await _limit(session, request))
    if step == "resolve":
        request.resolved_at = now
    if step == "verify":
        request.verified_at = now
    note = {"resolve": visit.summary, "send_back": visit.return_reason}.get(step, "")
    await _event(
        session,
        request,
        actor,
        {"start": "started", "resolve": "resolved", "verify": "verified", "send_back": "sent_back"}[
            step
        ],
        note or "",
        now,
    )


async def give_feedback(
    session: AsyncSession, actor: Actor, request_id: UUID, note: str, now: datetime
) -> HotlineRequest:
    request = await _managed(session, actor, request_id)
    _move(request, "feedback", now, await _limit(session, request))
    request.feedback = note
    await _event(session, request, actor, "feedback_given", note, now)
    return request


async def rate(
    session: AsyncSession,
    actor: Actor | None,
    request: HotlineRequest,
    score: int,
    comment: str,
    now: datetime,
) -> HotlineRequest:
    action = lifecycle.after_rating(score)
    if request.status != S.FEEDBACK_GIVEN:
        raise Refusal("invalid_transition", "This request is not waiting for a rating.", 409)
    request.rating, request.rating_comment = score, comment
    await _event(session, request, actor, "rated", f"{score}/5 {comment}".strip(), now)
    _move(request, action, now, await _limit(session, request))
    if action == "close":
        request.closed_at = now
        await _event(session, request, actor, "closed", "", now)
    else:
        request.reopened += 1
        request.assignee_id = None
        request.visit_id = None
        await _event(session, request, actor, "reopened", "评价不满意，重新派单", now)
    return request


async def rate_as_manager(
    session: AsyncSession, actor: Actor, request_id: UUID, score: int, comment: str, now: datetime
) -> HotlineRequest:
    return await rate(
        session, actor, await _managed(session, actor, request_id), score, comment, now
    )


async def rate_as_caller(
    session: AsyncSession, number: str, caller_phone: str, score: int, comment: str, now: datetime
) -> HotlineRequest:
    request = await session.scalar(select(HotlineRequest).where(HotlineRequest.number == number))
    if request is None or request.caller_phone != caller_phone:
        raise Refusal("not_found", "No request with that number and phone.", 404)
    return await rate(session, None, request, score, comment, now)


async def escalate_overdue(session: AsyncSession, now: datetime) -> list[HotlineRequest]:
    """Every request whose stage is overdue goes one level up (community → subdistrict →
    district), once per stage limit; returns those escalated."""
    overdue = (
        await session.scalars(
            select(HotlineRequest).where(
                HotlineRequest.stage_due_at < now, HotlineRequest.status != S.CLOSED
            )
        )
    ).all()
    escalated = []
    for request in overdue:
        higher = lifecycle.level_up(request.level)
        limit = await _limit(session, request)
        request.stage_due_at = now + timedelta(hours=max(limit * 0.2, 0.25))
        request.escalations += 1
        if higher is not None:
            request.level = higher
        request.rev += 1
        await _event(
            session,
            request,
            None,
            "escalated",
            f"超时，升级至{ {'subdistrict': '街道', 'district': '区'}.get(request.level, '区') }"
            if higher
            else "超时，区级督办",
            now,
        )
        escalated.append(request)
    return escalated


async def search(
    session: AsyncSession,
    actor: Actor,
    status: str | None,
    overdue_only: bool,
    now: datetime,
    limit: int = 200,
    offset: int = 0,
) -> list[HotlineRequest]:
    query = select(HotlineRequest)
    if not actor.is_manager:
        query = query.where(HotlineRequest.assignee_id == actor.user_id)
    else:
        ids = [u.id for u in await subtree(session, actor.unit_path)]
        placed = HotlineRequest.community_id.in_(ids)
        query = query.where(
            or_(placed, HotlineRequest.community_id.is_(None))
            if "/" not in actor.unit_path
            else placed
        )
    if status:
        query = query.where(HotlineRequest.status == status)
    if overdue_only:
        query = query.where(HotlineRequest.stage_due_at < now, HotlineRequest.status != S.CLOSED)
    rows = await session.scalars(
        query.order_by(HotlineRequest.received_at.desc()).limit(limit).offset(offset)
    )
    return list(rows.all())


async def timeline(session: AsyncSession, request_id: UUID) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == request_id)
        .order_by(RequestEvent.ordinal)
    )
    return [{"at": e.at, "actor": e.actor, "action": e.action, "note": e.note} for e in rows.all()]


async def public(session: AsyncSession, request: HotlineRequest) -> dict[str, Any]:
    units = await all_units(session)
    community = units.get(request.community_id) if request.community_id else None
    return {
        "id": str(request.id),
        "number": request.number,
        "status": request.status,
        "channel": request.channel,
        "caller_name": request.caller_name,
        "caller_phone": request.caller_phone,
        "address": request.address,
        "resident_id": str(request.resident_id) if request.resident_id else None,
        "category_code": request.category_code,
        "department": request.department,
        "description": request.description,
        "community": community.public() if community else None,
        "level": request.level,
        "received_at": request.received_at,
        "due_at": request.due_at,
        "stage_due_at": request.stage_due_at,
        "assignee_id": str(request.assignee_id) if request.assignee_id else None,
        "visit_id": str(request.visit_id) if request.visit_id else None,
        "feedback": request.feedback,
        "rating": request.rating,
        "rating_comment": request.rating_comment,
        "closed_at": request.closed_at,
        "reopened": request.reopened,
        "escalations": request.escalations,
    }


async def dashboard(session: AsyncSession, actor: Actor, now: datetime) -> dict[str, Any]:
    """Volumes by category and level, median hours to resolve, overdue, satisfaction; by
    subdistrict and community, within the actor's part of the tree."""
    if not actor.is_manager:
        raise Refusal("forbidden", "The dashboard is for supervisors and the district.")
    requests = await search(session, actor, None, False, now, limit=100_000)
    units = await all_units(session)

    def group(request: HotlineRequest) -> tuple[str, str]:
        community = units.get(request.community_id) if request.community_id else None
        subdistrict = units.get(community.parent_id) if community else None
        return (
            subdistrict.name if subdistrict else "未分派",
            community.name if community else "未分派",
        )

    def summary(rows: list[HotlineRequest]) -> dict[str, Any]:
        hours = [
            (r.resolved_at - r.received_at).total_seconds() / 3600 for r in rows if r.resolved_at
        ]
        ratings = [r.rating for r in rows if r.rating is not None]
        return {
            "total": len(rows),
            "open": sum(r.status != S.CLOSED for r in rows),
            "overdue": sum(
                r.status != S.CLOSED and r.stage_due_at is not None and r.stage_due_at < now
                for r in rows
            ),
            "median_hours_to_resolve": round(median(hours), 1) if hours else None,
            "satisfaction": round(sum(ratings) / len(ratings), 2) if ratings else None,
            "rated": len(ratings),
        }

    by_category: dict[str, list] = {}
    by_level: dict[str, list] = {}
    by_subdistrict: dict[str, list] = {}
    by_community: dict[str, list] = {}
    for request in requests:
        by_category.setdefault(request.category_code, []).append(request)
        by_level.setdefault(request.level, []).append(request)
        subdistrict, community = group(request)
        by_subdistrict.setdefault(subdistrict, []).append(request)
        by_community.setdefault(community, []).append(request)
    return {
        "overall": summary(requests),
        "by_category": {k: summary(v) for k, v in sorted(by_category.items())},
        "by_level": {k: summary(v) for k, v in sorted(by_level.items())},
        "by_subdistrict": {k: summary(v) for k, v in sorted(by_subdistrict.items())},
        "by_community": {k: summary(v) for k, v in sorted(by_community.items())},
    }
