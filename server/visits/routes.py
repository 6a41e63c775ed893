"""HTTP: planning, assigning, cancelling and deciding visits, and reading them in scope."""

from typing import Annotated, Literal
from uuid import UUID

import msgspec
from litestar import get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from server.deps import Caller, Session
from server.schemas import Offset
from server.visits import service
from server.visits.schemas import VisitPublic
from shared import mutations as m
from shared.enums import VisitKind
from shared.instants import Instant, Timed


class VisitCreate(Timed, forbid_unknown_fields=True, kw_only=True):
    resident_id: UUID
    kind: Literal["checkin", "request", "mentoring", "service"]
    assignee_id: FromQuery[UUID | None] = None
    due_at: Instant | None = None
    title: Annotated[str, msgspec.Meta(max_length=200)] = ""


class AssignBody(msgspec.Struct, forbid_unknown_fields=True):
    assignee_id: UUID


class CancelBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class DecideBody(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["approve", "reject"]
    reason: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


@post("/api/v1/visits", tags=["visits"], summary="Plan a visit and (optionally) assign it")
async def create_visit(
    data: JSONBody[VisitCreate],
    db_session: Session,
    principal: Caller,
) -> VisitPublic:
    kind = VisitKind(data.kind)
    visit = await service.create(
        db_session,
        principal.actor,
        data.resident_id,
        data.assignee_id,
        kind,
        data.due_at or service.default_due(kind),
        data.title,
    )
    await db_session.flush()
    return VisitPublic.from_row(visit)


@get("/api/v1/visits", tags=["visits"], summary="Visits in your area (managers) or your own")
async def list_visits(
    db_session: Session,
    principal: Caller,
    status: Annotated[str | None, QueryParameter(description="filter by status")] = None,
    assignee_id: FromQuery[UUID | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> list[VisitPublic]:
    rows = await service.list_visible(
        db_session, principal.actor, status, assignee_id, limit, offset
    )
    return [VisitPublic.from_row(row) for row in rows]


@get("/api/v1/visits/{visit_id:uuid}", tags=["visits"], summary="One visit")
async def get_visit(
    visit_id: FromPath[UUID],
    db_session: Session,
    principal: Caller,
) -> VisitPublic:
    return VisitPublic.from_row(
        await service.get_visible_visit(db_session, principal.actor, visit_id)
    )


@post(
    "/api/v1/visits/{visit_id:uuid}/assign",
    tags=["visits"],
    status_code=200,
    summary="Assign or reassign an open visit",
)
async def assign_visit(
    visit_id: FromPath[UUID],
    data: JSONBody[AssignBody],
    db_session: Session,
    principal: Caller,
) -> VisitPublic:
    args = m.VisitAssign(visit_id=visit_id, assignee_id=data.assignee_id)
    return VisitPublic.from_row(await service.assign(db_session, principal.actor, args))


@post(
    "/api/v1/visits/{visit_id:uuid}/cancel",
    tags=["visits"],
    status_code=200,
    summary="Cancel an open visit, with a reason",
)
async def cancel_visit(
    visit_id: FromPath[UUID],
    data: JSONBody[CancelBody],
    db_session: Session,
    principal: Caller,
) -> VisitPublic:
    args = m.VisitCancel(visit_id=visit_id, reason=data.reason)
    return VisitPublic.from_row(await service.cancel(db_session, principal.actor, args))


@post(
    "/api/v1/visits/{visit_id:uuid}/decision",
    tags=["visits"],
    status_code=200,
    summary="Approve a completed visit, or send it back with a reason",
)
async def decide_visit(
    visit_id: FromPath[UUID],
    data: JSONBody[DecideBody],
    db_session: Session,
    principal: Caller,
) -> VisitPublic:
    args = m.ApprovalDecide(visit_id=visit_id, decision=data.decision, reason=data.reason)
    return VisitPublic.from_row(await service.decide(db_session, principal.actor, args))


ROUTES = [create_visit, list_visits, get_visit, assign_visit, cancel_visit, decide_visit]
