"""Intake: a request registered by the hotline, the console or a worker's phone, numbered,
placed in its community and given its time limits."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.addresses import service as addresses
from server.catalogue.tables import ServiceCategory
from server.errors import Refusal
from server.hotline import timeline
from server.hotline.holidays import deadlines, span_hours
from server.hotline.schemas import ActorCode, RequestAction
from server.hotline.tables import HotlineRequest, RequestCounter
from server.org.service import all_units, unit_path
from server.org.tables import OrgUnit
from server.residents.tables import Resident
from shared import requests as lifecycle
from shared.enums import OrgLevel, Role
from shared.localtime import to_local
from shared.permissions import Actor, may_register_request, sees_resident

S = lifecycle.RequestStatus
# A call from the same phone about the same category within this long is a repeat (重复件).
REPEAT_WINDOW = timedelta(days=30)
# Who registers from the field: the request starts in their own community, dispatched.
FROM_THE_FIELD = (Role.WORKER, Role.MENTOR, Role.SUPERVISOR)


def move(request: HotlineRequest, action: str, now: datetime, limit_hours: float) -> None:
    """One step of the lifecycle (`shared.requests`), restarting the stage's clock; 409
    `invalid_transition` when the request is not where that step starts."""
    try:
        request.status = lifecycle.transition(request.status, action)
    except lifecycle.RequestRefused as refused:
        raise Refusal("invalid_transition", refused.message, 409) from None
    request.stage_started_at = now
    request.stage_due_at = lifecycle.stage_due(request.status, now, limit_hours)
    request.rev += 1


async def category(session: AsyncSession, code: str) -> ServiceCategory:
    """The service category of that code; 422 `unknown_category` if there is none (a code
    the request may well-formedly name, but no category has)."""
    found = await session.scalar(select(ServiceCategory).where(ServiceCategory.code == code))
    if found is None:
        raise Refusal("unknown_category", f"No service category {code!r}.", 422)
    return found


async def _number(session: AsyncSession, now: datetime) -> str:
    """YYMMDD-NNNN by the district's local day (Asia/Shanghai): a call at 07:30 in the
    morning gets that day's number, not yesterday's (the UTC day's)."""
    day = to_local(now).strftime("%y%m%d")
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
    """The community the address is in (see `place_address`), or None: ask."""
    return (await place_address(session, address))[0]


async def place_address(
    session: AsyncSession, address: str
) -> tuple[OrgUnit | None, list[OrgUnit]]:
    """The community whose name the address contains (the longest such name wins); else the
    one the address library places it in (its street, and its number in the street's range:
    `server/addresses`). None and the communities it may be in when several share the street
    and number; None and nothing when neither knows the address."""
    units = await all_units(session)
    matches = [
        u for u in units.values() if u.level == OrgLevel.COMMUNITY and u.name and u.name in address
    ]
    if matches:
        return max(matches, key=lambda u: len(u.name)), []
    placed = await addresses.placement(session, address)
    fitting = [units[c] for c in placed.communities if c in units]
    return (fitting[0], []) if len(fitting) == 1 else (None, fitting)


async def earlier_request(
    session: AsyncSession, phone: str, category_code: str, now: datetime
) -> HotlineRequest | None:
    """The latest earlier request from this phone about this category within REPEAT_WINDOW,
    not itself merged into another (a repeat points at the main request)."""
    return await session.scalar(
        select(HotlineRequest)
        .where(
            HotlineRequest.caller_phone == phone,
            HotlineRequest.category_code == category_code,
            HotlineRequest.received_at >= now - REPEAT_WINDOW,
            HotlineRequest.received_at <= now,
            HotlineRequest.merged_into.is_(None),
        )
        .order_by(HotlineRequest.received_at.desc(), HotlineRequest.number.desc())
        .limit(1)
    )


async def same_address(
    session: AsyncSession, request: HotlineRequest, now: datetime
) -> list[HotlineRequest]:
    """Other open or recent requests about the same category at the same address (within
    REPEAT_WINDOW): the console flags them beside a repeat by phone."""
    rows = await session.scalars(
        select(HotlineRequest)
        .where(
            HotlineRequest.address == request.address,
            HotlineRequest.category_code == request.category_code,
            HotlineRequest.received_at >= now - REPEAT_WINDOW,
            HotlineRequest.id != request.id,
            HotlineRequest.merged_into.is_(None),
        )
        .order_by(HotlineRequest.received_at.desc())
        .limit(10)
    )
    return list(rows.all())


async def create(
    session: AsyncSession, actor: Actor | None, values: dict[str, Any], now: datetime
) -> HotlineRequest:
    """Register a request (`values`: the fields of POST /api/v1/requests, and an optional
    `id` made on a phone). From the field it is dispatched to the worker's community at once.
    `actor` None: a resident without an account (the public pages, Open311) reports it; it is
    placed by its address, or left at district level for the dispatcher to place."""
    found = await category(session, values["category_code"])
    resident = None
    if actor is None:
        community = await community_for_address(session, values["address"])
        return await _register(session, None, values, found, None, community, now)
    if values.get("resident_id"):
        resident = await session.get(Resident, values["resident_id"])
        if resident is None or not sees_resident(
            actor, await unit_path(session, resident.community_id), resident.mentor_id
        ):
            raise Refusal("not_found", "No such resident in your area.", 404)
    if resident is not None:
        community = (await all_units(session)).get(resident.community_id)
    else:
        community = await community_for_address(session, values["address"])
    if not may_register_request(actor, community.path if community else None, resident is not None):
        if actor.role in FROM_THE_FIELD:
            raise Refusal(
                "out_of_scope", "A request from the field must name a resident of your area."
            )
        raise Refusal("forbidden", "You may not register requests.")
    return await _register(session, actor, values, found, resident, community, now)


async def _register(
    session: AsyncSession,
    actor: Actor | None,
    values: dict[str, Any],
    found: ServiceCategory,
    resident: Resident | None,
    community: OrgUnit | None,
    now: datetime,
) -> HotlineRequest:
    due, warning = await deadlines(session, found, now)
    span = (due - now).total_seconds() / 3600
    earlier = await earlier_request(session, values["caller_phone"], found.code, now)
    request = HotlineRequest(
        number=await _number(session, now),
        repeat_of=earlier.id if earlier else None,
        channel=values["channel"],
        caller_name=values["caller_name"],
        caller_phone=values["caller_phone"],
        address=values["address"],
        resident_id=resident.id if resident else None,
        category_code=found.code,
        description=values["description"],
        community_id=community.id if community else None,
        status=S.RECEIVED,
        received_at=now,
        due_at=due,
        warning_at=warning,
        stage_started_at=now,
        stage_due_at=lifecycle.stage_due(S.RECEIVED, now, span),
        created_by=actor.user_id if actor else None,
    )
    if values.get("id"):
        request.id = values["id"]
    session.add(request)
    await session.flush()
    timeline.record(
        session,
        request,
        actor,
        RequestAction.RECEIVED,
        now,
        note=values["description"][:200],
        actor_code=None if actor else ActorCode.CALLER,
        channel=values["channel"],
    )
    # From the field, the request is already where it belongs: the worker's own community.
    if actor is not None and actor.role in FROM_THE_FIELD and community is not None:
        send_down(session, request, actor, community, now)
    return request


def send_down(
    session: AsyncSession,
    request: HotlineRequest,
    actor: Actor,
    community: OrgUnit,
    now: datetime,
) -> None:
    """Dispatch the request to the community, where the community level answers for it."""
    move(request, "dispatch", now, span_hours(request))
    request.level = lifecycle.Level.COMMUNITY
    request.unit_id = community.id
    timeline.record(
        session,
        request,
        actor,
        RequestAction.DISPATCHED,
        now,
        community=community.code,
    )
