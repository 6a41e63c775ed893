"""Reading requests: who sees which, the list with its filters, a request as the API shows it,
the people a request may be given to, and the catalogue's names for the console."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tables import User
from server.catalogue.tables import ServiceCategory
from server.errors import Refusal
from server.org.service import all_units, subtree
from server.requests import timeline
from server.requests.schemas import (
    AssigneePublic,
    CommunityRefPublic,
    RequestDetailPublic,
    RequestPublic,
)
from server.requests.tables import HotlineRequest
from shared.permissions import Actor, at_district_level, may_be_assigned, sees_request
from shared.requests import RequestStatus


async def community_path(session: AsyncSession, request: HotlineRequest) -> str | None:
    """The path of the community the request is placed in; None while it is not placed."""
    if request.community_id is None:
        return None
    unit = (await all_units(session)).get(request.community_id)
    return unit.path if unit else None


async def visible(session: AsyncSession, actor: Actor, request_id: UUID) -> HotlineRequest:
    """The request, if the actor sees it (`sees_request`); otherwise 404."""
    request = await session.get(HotlineRequest, request_id)
    if request is None or not sees_request(
        actor, await community_path(session, request), request.assignee_id
    ):
        raise Refusal("not_found", "No such request in your area.", 404)
    return request


def is_overdue(request: HotlineRequest, now: datetime) -> bool:
    """Open and past its stage's time limit: what the overdue filter, the dashboard and the
    console's highlighting count."""
    return (
        request.status != RequestStatus.CLOSED
        and request.stage_due_at is not None
        and request.stage_due_at < now
    )


async def search(
    session: AsyncSession,
    actor: Actor,
    status: str | None,
    overdue_only: bool,
    now: datetime,
    limit: int = 200,
    offset: int = 0,
) -> list[HotlineRequest]:
    """The requests the actor sees, newest first; `sees_request` written as SQL."""
    query = select(HotlineRequest).where(await visible_clause(session, actor))
    if status:
        query = query.where(HotlineRequest.status == status)
    if overdue_only:
        query = query.where(
            HotlineRequest.stage_due_at < now, HotlineRequest.status != RequestStatus.CLOSED
        )
    rows = await session.scalars(
        query.order_by(HotlineRequest.received_at.desc()).limit(limit).offset(offset)
    )
    return list(rows.all())


async def visible_clause(session: AsyncSession, actor: Actor):
    """`sees_request` as a WHERE clause over `hotline_request`."""
    if not actor.is_manager:
        return HotlineRequest.assignee_id == actor.user_id
    placed = HotlineRequest.community_id.in_(
        [u.id for u in await subtree(session, actor.unit_path)]
    )
    if at_district_level(actor):
        return or_(placed, HotlineRequest.community_id.is_(None))
    return placed


async def public(session: AsyncSession, requests: list[HotlineRequest]) -> list[RequestPublic]:
    """The requests as the API shows them."""
    units = await all_units(session)

    def community(request: HotlineRequest) -> CommunityRefPublic | None:
        unit = units.get(request.community_id) if request.community_id else None
        return CommunityRefPublic(id=unit.id, code=unit.code, name=unit.name) if unit else None

    return [RequestPublic.from_row(r, community=community(r)) for r in requests]


async def detail(session: AsyncSession, request: HotlineRequest) -> RequestDetailPublic:
    """The request as the API shows it, with its timeline."""
    (shown,) = await public(session, [request])
    return RequestDetailPublic(
        **{name: getattr(shown, name) for name in shown.__struct_fields__},
        timeline=await timeline.read(session, request.id),
    )


async def assignable(session: AsyncSession, actor: Actor, request_id: UUID) -> list[AssigneePublic]:
    """The people the request may be given to (`may_be_assigned`): the field staff of its
    community. Empty while it is not placed."""
    request = await visible(session, actor, request_id)
    path = await community_path(session, request)
    if path is None or not actor.is_manager:
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
