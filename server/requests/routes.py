"""HTTP: the hotline's API — intake, dispatch, assignment, verification, feedback, rating,
supervision and the district dashboard."""

from typing import Annotated, Literal
from uuid import UUID

import msgspec
from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.service import Principal
from server.db.types import utcnow
from server.export import csv_download
from server.requests import service
from server.visits.routes import DecideBody
from shared import mutations as m

Short = Annotated[str, msgspec.Meta(max_length=200)]


class RequestCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    channel: Literal["phone", "web", "walk_in", "app"]
    caller_name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    caller_phone: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    address: Short
    resident_id: UUID | None = None
    category_code: Annotated[str, msgspec.Meta(max_length=60)]
    description: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class DispatchBody(msgspec.Struct, forbid_unknown_fields=True):
    community_code: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    department: Short | None = None


class AssignBody(msgspec.Struct, forbid_unknown_fields=True):
    assignee_id: UUID


class NoteBody(msgspec.Struct, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class RatingBody(msgspec.Struct, forbid_unknown_fields=True):
    score: Annotated[int, msgspec.Meta(ge=1, le=5)]
    comment: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class CallerRating(msgspec.Struct, forbid_unknown_fields=True):
    number: Annotated[str, msgspec.Meta(max_length=20)]
    caller_phone: Annotated[str, msgspec.Meta(max_length=40)]
    score: Annotated[int, msgspec.Meta(ge=1, le=5)]
    comment: Annotated[str, msgspec.Meta(max_length=2000)] = ""


Session = NamedDependency[AsyncSession]
Caller = NamedDependency[Principal]


async def _full(db_session: AsyncSession, request) -> dict:
    return {
        **await service.public(db_session, request),
        "timeline": await service.timeline(db_session, request.id),
    }


@post("/api/v1/requests", tags=["hotline"], summary="Register a resident's request")
async def create_request(
    data: JSONBody[RequestCreate], db_session: Session, principal: Caller
) -> dict:
    values = msgspec.structs.asdict(data)
    request = await service.create(db_session, principal.actor, values, utcnow())
    return await _full(db_session, request)


@get("/api/v1/requests", tags=["hotline"], summary="Requests in your area (workers: theirs)")
async def list_requests(
    db_session: Session,
    principal: Caller,
    status: Annotated[str | None, QueryParameter(description="filter by status")] = None,
    overdue: Annotated[bool, QueryParameter(description="only overdue ones")] = False,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
    offset: Annotated[int, QueryParameter(ge=0)] = 0,
) -> list[dict]:
    rows = await service.search(
        db_session, principal.actor, status, overdue, utcnow(), limit, offset
    )
    return [await service.public(db_session, row) for row in rows]


@get(
    "/api/v1/requests/export.csv",
    tags=["hotline"],
    summary="The request list as CSV",
    media_type="text/csv",
)
async def export_requests(db_session: Session, principal: Caller) -> Response:
    rows = await service.search(db_session, principal.actor, None, False, utcnow(), 100_000)
    return csv_response(rows, "requests.csv")


REQUEST_COLUMNS = [
    "number",
    "status",
    "level",
    "category_code",
    "caller_name",
    "address",
    "received_at",
    "due_at",
    "closed_at",
    "rating",
    "escalations",
]


def csv_response(rows, filename: str) -> Response:
    """A list of requests as a CSV download."""
    return csv_download(
        REQUEST_COLUMNS, ([getattr(row, c) for c in REQUEST_COLUMNS] for row in rows), filename
    )


@get("/api/v1/requests/{request_id:uuid}", tags=["hotline"], summary="A request, with timeline")
async def get_request(request_id: FromPath[UUID], db_session: Session, principal: Caller) -> dict:
    return await _full(db_session, await service.visible(db_session, principal.actor, request_id))


@post(
    "/api/v1/requests/{request_id:uuid}/dispatch",
    tags=["hotline"],
    status_code=200,
    summary="Send a request down to a community (and its department)",
)
async def dispatch_request(
    request_id: FromPath[UUID], data: JSONBody[DispatchBody], db_session: Session, principal: Caller
) -> dict:
    request = await service.dispatch(
        db_session, principal.actor, request_id, data.community_code, data.department, utcnow()
    )
    return await _full(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/assign",
    tags=["hotline"],
    status_code=200,
    summary="Give a request to a worker: a visit appears on their phone",
)
async def assign_request(
    request_id: FromPath[UUID], data: JSONBody[AssignBody], db_session: Session, principal: Caller
) -> dict:
    request = await service.assign(
        db_session, principal.actor, request_id, data.assignee_id, utcnow()
    )
    return await _full(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/verify",
    tags=["hotline"],
    status_code=200,
    summary="Verify the resolution, or send it back with a reason",
)
async def verify_request(
    request_id: FromPath[UUID],
    data: JSONBody[DecideBody],
    db_session: Session,
    principal: Caller,
) -> dict:
    from server.visits import service as visits

    request = await service.visible(db_session, principal.actor, request_id)
    if request.visit_id is None:
        from server.errors import Refusal

        raise Refusal("invalid_transition", "This request has no visit to verify yet.", 409)
    args = m.ApprovalDecide(visit_id=request.visit_id, decision=data.decision, reason=data.reason)
    await visits.decide(db_session, principal.actor, args)
    return await _full(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/feedback",
    tags=["hotline"],
    status_code=200,
    summary="Record what the resident was told",
)
async def feedback_request(
    request_id: FromPath[UUID], data: JSONBody[NoteBody], db_session: Session, principal: Caller
) -> dict:
    request = await service.give_feedback(
        db_session, principal.actor, request_id, data.note, utcnow()
    )
    return await _full(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/rating",
    tags=["hotline"],
    status_code=200,
    summary="The resident's rating, taken by phone: 3–5 closes, 1–2 reopens",
)
async def rate_request(
    request_id: FromPath[UUID], data: JSONBody[RatingBody], db_session: Session, principal: Caller
) -> dict:
    request = await service.rate_as_manager(
        db_session, principal.actor, request_id, data.score, data.comment, utcnow()
    )
    return await _full(db_session, request)


@post(
    "/api/v1/public/rating",
    tags=["hotline"],
    status_code=200,
    summary="The resident rates their request themselves (number and phone)",
)
async def caller_rating(data: JSONBody[CallerRating], db_session: Session) -> dict:
    request = await service.rate_as_caller(
        db_session, data.number, data.caller_phone, data.score, data.comment, utcnow()
    )
    return {"number": request.number, "status": request.status}


@get(
    "/api/v1/dashboard",
    tags=["hotline"],
    summary="Volumes, time to resolve, overdue and satisfaction, by level and unit",
)
async def dashboard(db_session: Session, principal: Caller) -> dict:
    return await service.dashboard(db_session, principal.actor, utcnow())


ROUTES = [
    create_request,
    list_requests,
    export_requests,
    get_request,
    dispatch_request,
    assign_request,
    verify_request,
    feedback_request,
    rate_request,
    caller_rating,
    dashboard,
]
__all__ = ["ROUTES"]
