"""Reading requests: who sees which, the list with its filters, a request as the API shows it,
the people a request may be given to, and the catalogue's names for the console."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tables import User
from server.catalogue.tables import ServiceCategory
from server.clock import utcnow
from server.errors import Refusal
from server.hotline import timeline
from server.hotline.schemas import (
    AssigneePublic,
    CallbackPublic,
    CommunityRefPublic,
    DepartmentRefPublic,
    ExtensionPublic,
    RequestDetailPublic,
    RequestPublic,
    RequestTimelinePublic,
    SupervisionNotePublic,
)
from server.hotline.tables import (
    REQUEST,
    HotlineRequest,
    RequestCallback,
    RequestExtension,
    SupervisionNote,
)
from server.org.service import all_units, departments, subtree
from server.records import Reader
from shared import requests as machine
from shared.enums import Role
from shared.permissions import Actor, at_district_level, may_be_assigned
from shared.requests import RequestStatus


async def community_path(session: AsyncSession, request: HotlineRequest) -> str | None:
    """The path of the community the request is placed in; None while it is not placed."""
    if request.community_id is None:
        return None
    unit = (await all_units(session)).get(request.community_id)
    return unit.path if unit else None


async def holder_path(session: AsyncSession, request: HotlineRequest) -> str | None:
    """The path of the office holding the request (a subdistrict or community it was sent
    to); None while the district holds it."""
    if request.unit_id is None:
        return None
    unit = (await all_units(session)).get(request.unit_id)
    return unit.path if unit else None


async def reader(session: AsyncSession, actor: Actor) -> Reader:
    """The actor reading synced records (`server.records.Reader`)."""
    return Reader.of(actor, await all_units(session), utcnow())


async def visible(session: AsyncSession, actor: Actor, request_id: UUID) -> HotlineRequest:
    """The request, if the actor reads it (`Reader.reads`: what its phone holds, or by
    `sees_request` alone for a role READS_BEYOND_PHONE names); otherwise 404."""
    request = await session.get(HotlineRequest, request_id)
    if request is None or not (await reader(session, actor)).reads(REQUEST, request):
        raise Refusal("not_found", "No such request in your area.", 404)
    return request


async def timelines(
    session: AsyncSession, actor: Actor, request_ids: list[UUID]
) -> list[RequestTimelinePublic]:
    """The timelines of those of the requests the actor reads (`visible`'s rule), in the order
    asked; the others are left out, as if they did not exist."""
    found = (
        await session.scalars(select(HotlineRequest).where(HotlineRequest.id.in_(request_ids)))
    ).all()
    read = await reader(session, actor)
    shown = {r.id: r for r in found if read.reads(REQUEST, r)}
    steps = await timeline.read_many(session, list(shown)) if shown else {}
    return [
        RequestTimelinePublic(id=i, rev=shown[i].rev, timeline=steps[i])
        for i in dict.fromkeys(request_ids)
        if i in shown
    ]


async def locked(session: AsyncSession, *request_ids: UUID) -> None:
    """Lock the requests' rows for this transaction (in id order, so two writers never wait
    on each other) and read them afresh: a merge or a 回访 decides on what is stored now, not
    on what another transaction is about to change (PostgreSQL; SQLite has one writer)."""
    await session.execute(
        select(HotlineRequest)
        .where(HotlineRequest.id.in_(sorted(set(request_ids))))
        .order_by(HotlineRequest.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def is_overdue(request: HotlineRequest, now: datetime) -> bool:
    """Open and past its overall due time (`shared.requests.is_overdue`): what the overdue
    filter, the dashboard, the CSV and the console's red rows count. Escalation restarts
    stage clocks, never this."""
    return machine.is_overdue(request.status, request.due_at, now)


# Every status but closed, by name: "open" as an index look-up of a year's few open requests,
# where "not closed" scans the closed ones (or walks `due_at` over all of them).
OPEN = tuple(s.value for s in RequestStatus if s is not RequestStatus.CLOSED)


def overdue_clause(now: datetime):
    """`is_overdue` as a WHERE clause."""
    return and_(HotlineRequest.due_at < now, HotlineRequest.status.in_(OPEN))


async def search(
    session: AsyncSession,
    actor: Actor,
    status: str | None,
    overdue_only: bool,
    now: datetime,
    limit: int = 200,
    offset: int = 0,
    held: bool = False,
) -> list[HotlineRequest]:
    """The requests the actor sees, newest first; `sees_request` written as SQL. `held`: only
    the actor's own queue (`held_clause`)."""
    query = select(HotlineRequest).where(await visible_clause(session, actor))
    if held:
        query = query.where(await held_clause(session, actor))
    if status:
        query = query.where(HotlineRequest.status == status)
    if overdue_only:
        query = query.where(overdue_clause(now))
    rows = await session.scalars(
        query.order_by(HotlineRequest.received_at.desc()).limit(limit).offset(offset)
    )
    readers = await reader(session, actor)
    return [row for row in rows.all() if readers.reads(REQUEST, row)]


async def visible_clause(session: AsyncSession, actor: Actor):
    """`sees_request` as a WHERE clause over `hotline_request`."""
    if actor.role is Role.DEPARTMENT:
        return HotlineRequest.department_id == actor.department_id
    if not (actor.is_manager or actor.role is Role.INSPECTOR):
        return HotlineRequest.assignee_id == actor.user_id
    below = [u.id for u in await subtree(session, actor.unit_path)]
    if at_district_level(actor) and len(below) == len(await all_units(session)):
        # The whole tree and the unplaced: every request. Said as such, not as two lists of
        # every unit's id (an OR of IN lists the databases answer through two index walks
        # over every row: ~0.3 s at 10,000 requests, seconds at a year's).
        return true()
    placed = or_(HotlineRequest.community_id.in_(below), HotlineRequest.unit_id.in_(below))
    if at_district_level(actor):
        return or_(
            placed,
            and_(HotlineRequest.community_id.is_(None), HotlineRequest.unit_id.is_(None)),
        )
    return placed


async def held_clause(session: AsyncSession, actor: Actor):
    """The actor's own queue: a department's, the requests routed to it; an office's, those
    it holds and no department does (the district holds those sent nowhere yet), and those of
    its subtree escalated to its level; field staff's, those assigned to them."""
    if actor.role is Role.DEPARTMENT:
        return HotlineRequest.department_id == actor.department_id
    if not actor.is_manager:
        return HotlineRequest.assignee_id == actor.user_id
    units = await all_units(session)
    own = next((u for u in units.values() if u.path == actor.unit_path), None)
    if own is None:
        return HotlineRequest.id.is_(None)
    if at_district_level(actor):
        holder = HotlineRequest.unit_id.is_(None)
    else:
        holder = HotlineRequest.unit_id == own.id
    below = [u.id for u in await subtree(session, actor.unit_path)]
    if len(below) == len(units):  # the whole tree (see `visible_clause`)
        placed = or_(HotlineRequest.community_id.is_not(None), HotlineRequest.unit_id.is_not(None))
    else:
        placed = or_(HotlineRequest.community_id.in_(below), HotlineRequest.unit_id.in_(below))
    escalated = and_(HotlineRequest.level == own.level, HotlineRequest.escalations > 0, placed)
    return or_(and_(holder, HotlineRequest.department_id.is_(None)), escalated)


async def public(
    session: AsyncSession, requests: list[HotlineRequest], now: datetime | None = None
) -> list[RequestPublic]:
    """The requests as the API shows them (`overdue` as of `now`, default the clock's)."""
    units = await all_units(session)
    members = {d.id: d for d in await departments(session)} if requests else {}
    now = now or utcnow()

    def ref(unit_id: UUID | None) -> CommunityRefPublic | None:
        unit = units.get(unit_id) if unit_id else None
        return CommunityRefPublic(id=unit.id, code=unit.code, name=unit.name) if unit else None

    def department(request: HotlineRequest) -> DepartmentRefPublic | None:
        found = members.get(request.department_id) if request.department_id else None
        if found is None:
            return None
        return DepartmentRefPublic(id=found.id, code=found.code, name=found.name)

    return [
        RequestPublic.from_row(
            r,
            community=ref(r.community_id),
            held_by=ref(r.unit_id),
            routed_department=department(r),
            overdue=is_overdue(r, now),
        )
        for r in requests
    ]


async def detail(session: AsyncSession, request: HotlineRequest) -> RequestDetailPublic:
    """The request as the API shows it, with its timeline."""
    (shown,) = await public(session, [request])
    return RequestDetailPublic(
        **{name: getattr(shown, name) for name in shown.__struct_fields__},
        timeline=await timeline.read(session, request.id),
        supervision=await supervision_notes(session, request.id),
        extensions=await extensions(session, request.id),
        callbacks=await callbacks(session, request.id),
    )


async def extensions(session: AsyncSession, request_id: UUID) -> list[ExtensionPublic]:
    """The request's extensions (延期申请), oldest first, with their decisions."""
    rows = (
        await session.scalars(
            select(RequestExtension)
            .where(RequestExtension.request_id == request_id)
            .order_by(RequestExtension.asked_at)
        )
    ).all()
    return [ExtensionPublic.from_row(row) for row in rows]


async def callbacks(session: AsyncSession, request_id: UUID) -> list[CallbackPublic]:
    """The request's 回访 records, oldest first."""
    rows = await session.scalars(
        select(RequestCallback)
        .where(RequestCallback.request_id == request_id)
        .order_by(RequestCallback.at)
    )
    return [CallbackPublic.from_row(row) for row in rows.all()]


async def supervision_notes(session: AsyncSession, request_id: UUID) -> list[SupervisionNotePublic]:
    """The request's supervision notes (督办), oldest first, with their answers."""
    rows = (
        await session.scalars(
            select(SupervisionNote)
            .where(SupervisionNote.request_id == request_id)
            .order_by(SupervisionNote.at)
        )
    ).all()
    return [SupervisionNotePublic.from_row(note) for note in rows]


async def assignable(session: AsyncSession, actor: Actor, request_id: UUID) -> list[AssigneePublic]:
    """The people the request may be given to (`may_be_assigned`): the field staff of its
    community. Empty while it is not placed."""
    request = await visible(session, actor, request_id)
    path = await community_path(session, request)
    if path is None or not actor.is_manager or request.department_id is not None:
        return []
    units = await all_units(session)
    rows = await session.scalars(
        select(User)
        .where(User.org_unit_id == request.community_id, User.active.is_(True))
        .order_by(User.display_name)
    )
    return [
        AssigneePublic(id=u.id, display_name=u.display_name, role=u.role)
        for u in rows.all()
        if may_be_assigned(u.role, units[u.org_unit_id].path, path)
    ]


async def categories(session: AsyncSession) -> list[ServiceCategory]:
    """The service catalogue, by code."""
    return list(
        (await session.scalars(select(ServiceCategory).order_by(ServiceCategory.code))).all()
    )
