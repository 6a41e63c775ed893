"""Routing a request through the levels: the district sends it to a subdistrict, a community
or a member department; a subdistrict office sends it on; a department accepts it, resolves
it, transfers it to another department or returns it (the district reviews a return:
`review.py`). Each step
restarts the stage clock (`shared.requests.STAGE_SHARE`) and goes on the timeline. Times come
in as `now`, so tests control the clock."""

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import Refusal
from server.hotline import timeline
from server.hotline.holidays import span_hours
from server.hotline.intake import move
from server.hotline.lifecycle import managed
from server.hotline.queries import visible
from server.hotline.schemas import RequestAction
from server.hotline.tables import HotlineRequest
from server.org.service import all_units, department_by_code
from server.org.tables import Department, OrgUnit
from shared.enums import OrgLevel
from shared.orgtree import contains
from shared.permissions import Actor, may_dispatch_to, may_work_for_department
from shared.requests import Level


async def _limit(session: AsyncSession, request: HotlineRequest) -> float:
    return span_hours(request)


async def _unit(session: AsyncSession, actor: Actor, code: str) -> OrgUnit:
    unit = next((u for u in (await all_units(session)).values() if u.code == code), None)
    if unit is None or unit.level == OrgLevel.DISTRICT:
        raise Refusal("not_found", "No such subdistrict or community.", 404)
    if not may_dispatch_to(actor, unit.path):
        raise Refusal("out_of_scope", "That unit is outside your part of the tree.")
    return unit


async def dispatch(
    session: AsyncSession,
    actor: Actor,
    request_id: UUID,
    org_unit_code: str | None,
    department_code: str | None,
    now: datetime,
    note: str | None = None,
) -> HotlineRequest:
    """Send the request down: to a subdistrict (whose office sends it on), to a community
    (which assigns a worker), to a member department (with or without a community), or —
    naming none — to the community it is placed in."""
    request = await managed(session, actor, request_id)
    units = await all_units(session)
    unit = await _unit(session, actor, org_unit_code) if org_unit_code else None
    department = await department_by_code(session, department_code) if department_code else None
    if unit is None and department is None:
        if request.community_id is None:
            raise Refusal(
                "community_required", "Say which unit or department answers for this request.", 400
            )
        unit = units[request.community_id]
        if not may_dispatch_to(actor, unit.path):
            raise Refusal("out_of_scope", "That community is outside your part of the tree.")
    if unit is not None and unit.level == OrgLevel.COMMUNITY:
        request.community_id = unit.id
    elif unit is not None and request.community_id is not None:
        placed = units.get(request.community_id)
        if placed is None or not contains(unit.path, placed.path):
            request.community_id = None  # the address's guess lies in another subdistrict
    if unit is not None:
        request.unit_id = unit.id
    elif department is not None:
        # Sent to a department alone: the sending office follows it and verifies it.
        own = next((u for u in units.values() if u.path == actor.unit_path), None)
        request.unit_id = own.id if own and own.level != OrgLevel.DISTRICT else None
    move(request, "dispatch", now, await _limit(session, request))
    if department is not None:
        request.department_id = department.id
        request.level = Level.DEPARTMENT
    else:
        request.department_id = None
        request.level = Level(unit.level) if unit is not None else Level.DISTRICT
    timeline.record(
        session,
        request,
        actor,
        RequestAction.DISPATCHED,
        now,
        note=(note or "").strip(),
        **_where(unit, department),
    )
    return request


def _where(unit: OrgUnit | None, department: Department | None) -> dict[str, str]:
    """The dispatch step's facts: the unit (and its level) and the department, as codes."""
    facts: dict[str, str] = {}
    if unit is not None:
        facts["unit"], facts["level"] = unit.code, unit.level
        if unit.level == OrgLevel.COMMUNITY:
            facts["community"] = unit.code
    if department is not None:
        facts["department_code"] = department.code
    return facts


async def routed(session: AsyncSession, actor: Actor, request_id: UUID) -> HotlineRequest:
    """The request, if it is routed to the actor's department (`may_work_for_department`):
    404 for one the actor does not see, 403 for one they see but may not work."""
    request = await visible(session, actor, request_id)
    if not may_work_for_department(actor, request.department_id):
        raise Refusal("forbidden", "Only the department it is routed to does this.")
    return request


async def accept(
    session: AsyncSession, actor: Actor, request_id: UUID, now: datetime, note: str | None = None
) -> HotlineRequest:
    """The department takes the request on: its clock to resolve starts."""
    request = await routed(session, actor, request_id)
    move(request, "accept", now, await _limit(session, request))
    timeline.record(session, request, actor, RequestAction.ACCEPTED, now, note=(note or "").strip())
    return request


async def resolve(
    session: AsyncSession, actor: Actor, request_id: UUID, note: str, now: datetime
) -> HotlineRequest:
    """The department has done the work: the office holding the request verifies it."""
    request = await routed(session, actor, request_id)
    move(request, "resolve", now, await _limit(session, request))
    request.resolved_at = now
    request.level = office_level(request)
    timeline.record(session, request, actor, RequestAction.RESOLVED, now, note=note.strip())
    return request


async def transfer(
    session: AsyncSession,
    actor: Actor,
    request_id: UUID,
    department_code: str,
    note: str | None,
    now: datetime,
) -> HotlineRequest:
    """Hand the request to another member department, which must accept it anew."""
    request = await routed(session, actor, request_id)
    target = await department_by_code(session, department_code)
    if target.id == request.department_id:
        raise Refusal("invalid_request", "The request is already with that department.", 400)
    previous = await session.get(Department, request.department_id)
    move(request, "transfer", now, await _limit(session, request))
    request.department_id = target.id
    timeline.record(
        session,
        request,
        actor,
        RequestAction.TRANSFERRED,
        now,
        note=(note or "").strip(),
        from_department=previous.code if previous else "",
        department_code=target.code,
    )
    return request


def office_level(request: HotlineRequest) -> Level:
    """The level of the office holding the request, once no department answers for it."""
    if request.unit_id is None:
        return Level.DISTRICT
    return Level.COMMUNITY if request.community_id == request.unit_id else Level.SUBDISTRICT
