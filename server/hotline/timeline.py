"""A request's timeline: each step written as codes and ids, and read back with the names of
the people and units it mentions."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import service as audit
from server.auth.tables import User
from server.hotline.schemas import ActorCode, RequestAction, TimelineEventPublic
from server.hotline.tables import HotlineRequest, RequestEvent
from server.org.service import all_units, departments
from shared.permissions import Actor


def record(
    session: AsyncSession,
    request: HotlineRequest,
    actor: Actor | None,
    action: RequestAction,
    now: datetime,
    note: str = "",
    actor_code: ActorCode | None = None,
    **params: Any,
) -> None:
    """Add a step to the request's timeline (and the audit trail). `note` is only ever what a
    person wrote; the step's facts go in `params` as codes and ids."""
    if actor_code is None:
        actor_code = ActorCode.USER if actor is not None else ActorCode.SYSTEM
    request.rev += 1  # the event's ordinal: steps taken in one instant keep their order
    session.add(
        RequestEvent(
            request_id=request.id,
            ordinal=request.rev,
            at=now,
            actor_id=actor.user_id if actor else None,
            actor_code=actor_code,
            action=action,
            note=note,
            params=params,
        )
    )
    audit.record(
        session,
        actor,
        f"request.{action}",
        "request",
        request.id,
        request.community_id,
        note=note,
        **params,
    )


async def read(session: AsyncSession, request_id: UUID) -> list[TimelineEventPublic]:
    """The request's steps, oldest first, with the names of the people and units they name."""
    return (await read_many(session, [request_id]))[request_id]


async def read_many(
    session: AsyncSession, request_ids: list[UUID]
) -> dict[UUID, list[TimelineEventPublic]]:
    """Each request's steps, oldest first, in four queries however many requests: the steps,
    the people they name, the org tree (cached) and the departments."""
    rows = (
        await session.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id.in_(request_ids))
            .order_by(RequestEvent.request_id, RequestEvent.ordinal)
        )
    ).all()
    people = {e.actor_id for e in rows if e.actor_id} | {
        UUID(e.params["assignee_id"]) for e in rows if e.params.get("assignee_id")
    }
    names: dict[UUID, str] = {}
    if people:
        found = await session.execute(select(User.id, User.display_name).where(User.id.in_(people)))
        names = {user_id: name for user_id, name in found.all()}
    units = {u.code: u.name for u in (await all_units(session)).values()}
    members = {d.code: d for d in await departments(session)}
    timelines: dict[UUID, list[TimelineEventPublic]] = {i: [] for i in request_ids}
    for event in rows:
        params = dict(event.params)
        if params.get("assignee_id"):
            params["assignee_name"] = names.get(UUID(params["assignee_id"]), "")
        if params.get("community"):
            params["community_name"] = units.get(params["community"], params["community"])
        if params.get("unit"):
            params["unit_name"] = units.get(params["unit"], params["unit"])
        for key in ("department_code", "from_department"):
            if params.get(key) in members:
                found = members[params[key]]
                params[f"{key}_name"], params[f"{key}_name_en"] = found.name, found.name_en
        timelines[event.request_id].append(
            TimelineEventPublic(
                at=event.at,
                actor=names.get(event.actor_id, "") if event.actor_id else event.actor_code,
                action=RequestAction(event.action),
                note=event.note,
                actor_id=event.actor_id,
                actor_code=ActorCode(event.actor_code),
                params=params,
            )
        )
    return timelines
