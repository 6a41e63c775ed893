"""HTTP: the hotline's API — intake, dispatch, assignment, verification, feedback, rating,
supervision and the district dashboard. Each handler parses, calls the service, and returns
one of the `…Public` structs of `server/hotline/schemas.py`."""

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from litestar import get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from server.clock import utcnow
from server.deps import Caller, Session
from server.errors import Refusal
from server.hotline import service
from server.hotline.schemas import (
    AssignBody,
    AssigneePublic,
    CallbackBody,
    CallbackPublic,
    DashboardPublic,
    DispatchBody,
    MergeBody,
    NoteBody,
    RatingBody,
    RequestCreate,
    RequestDetailPublic,
    RequestPublic,
    RequestTimelinePublic,
    StatsPublic,
    VerifyBody,
)
from server.schemas import Offset
from shared.instants import YEAR_PATTERN, parse_instant
from shared.requests import RequestStatus


@post("/api/v1/requests", tags=["hotline"], summary="Register a resident's request")
async def create_request(
    data: JSONBody[RequestCreate], db_session: Session, principal: Caller
) -> RequestDetailPublic:
    values = msgspec.structs.asdict(data)
    request = await service.create(db_session, principal.actor, values, utcnow())
    return await service.detail(db_session, request)


@get("/api/v1/requests", tags=["hotline"], summary="Requests in your area (workers: theirs)")
async def list_requests(
    db_session: Session,
    principal: Caller,
    status: Annotated[RequestStatus | None, QueryParameter(description="filter by status")] = None,
    overdue: Annotated[bool, QueryParameter(description="only overdue ones")] = False,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
    offset: Offset = 0,
    held: Annotated[
        bool,
        QueryParameter(description="only your queue: what your office or department holds"),
    ] = False,
) -> list[RequestPublic]:
    rows = await service.search(
        db_session, principal.actor, status, overdue, utcnow(), limit, offset, held=held
    )
    return await service.public(db_session, rows)


@get("/api/v1/requests/{request_id:uuid}", tags=["hotline"], summary="A request, with timeline")
async def get_request(
    request_id: FromPath[UUID], db_session: Session, principal: Caller
) -> RequestDetailPublic:
    request = await service.visible(db_session, principal.actor, request_id)
    return await service.detail(db_session, request)


MAX_TIMELINES = 100  # requests a call of GET /api/v1/requests/timelines may name


@get(
    "/api/v1/requests/timelines",
    tags=["hotline"],
    summary="The timelines of up to 100 requests at once (what a phone keeps of its requests)",
)
async def request_timelines(
    db_session: Session,
    principal: Caller,
    ids: Annotated[
        list[UUID],
        QueryParameter(
            name="id",
            min_items=1,
            max_items=MAX_TIMELINES,
            description="a request's id, repeated for each (at most 100)",
        ),
    ],
) -> list[RequestTimelinePublic]:
    return await service.timelines(db_session, principal.actor, ids)


@get(
    "/api/v1/requests/{request_id:uuid}/assignees",
    tags=["hotline"],
    summary="Who may be given this request: the field staff of its community",
)
async def request_assignees(
    request_id: FromPath[UUID], db_session: Session, principal: Caller
) -> list[AssigneePublic]:
    return await service.assignable(db_session, principal.actor, request_id)


@post(
    "/api/v1/requests/{request_id:uuid}/dispatch",
    tags=["hotline"],
    status_code=200,
    summary="Send a request down: to a subdistrict, a community or a member department",
)
async def dispatch_request(
    request_id: FromPath[UUID], data: JSONBody[DispatchBody], db_session: Session, principal: Caller
) -> RequestDetailPublic:
    request = await service.dispatch(
        db_session,
        principal.actor,
        request_id,
        data.org_unit_code or data.community_code,
        data.department_code,
        utcnow(),
        note=data.note,
    )
    return await service.detail(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/assign",
    tags=["hotline"],
    status_code=200,
    summary="Give a request to a worker: a visit appears on their phone",
)
async def assign_request(
    request_id: FromPath[UUID], data: JSONBody[AssignBody], db_session: Session, principal: Caller
) -> RequestDetailPublic:
    request = await service.assign(
        db_session, principal.actor, request_id, data.assignee_id, utcnow()
    )
    return await service.detail(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/verify",
    tags=["hotline"],
    status_code=200,
    summary="Verify the resolution, or send it back with a reason",
)
async def verify_request(
    request_id: FromPath[UUID], data: JSONBody[VerifyBody], db_session: Session, principal: Caller
) -> RequestDetailPublic:
    request = await service.verify(
        db_session, principal.actor, request_id, data.decision, data.reason
    )
    return await service.detail(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/feedback",
    tags=["hotline"],
    status_code=200,
    summary="Record what the resident was told",
)
async def feedback_request(
    request_id: FromPath[UUID], data: JSONBody[NoteBody], db_session: Session, principal: Caller
) -> RequestDetailPublic:
    request = await service.give_feedback(
        db_session, principal.actor, request_id, data.note, utcnow()
    )
    return await service.detail(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/rating",
    tags=["hotline"],
    status_code=200,
    summary="The resident's rating, taken by phone: 3–5 closes, 1–2 reopens",
)
async def rate_request(
    request_id: FromPath[UUID], data: JSONBody[RatingBody], db_session: Session, principal: Caller
) -> RequestDetailPublic:
    request = await service.rate_as_manager(
        db_session, principal.actor, request_id, data.score, data.comment, utcnow()
    )
    return await service.detail(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/callbacks",
    tags=["hotline"],
    status_code=201,
    summary="Record a 回访: the caller called back, reached or not, and their answers",
)
async def call_back(
    request_id: FromPath[UUID], data: JSONBody[CallbackBody], db_session: Session, principal: Caller
) -> CallbackPublic:
    return await service.call_back(db_session, principal.actor, request_id, data, utcnow())


@post(
    "/api/v1/requests/{request_id:uuid}/merge",
    tags=["hotline"],
    status_code=200,
    summary="Merge a repeat (副单) into its main request (主单): it closes as merged",
)
async def merge_request(
    request_id: FromPath[UUID], data: JSONBody[MergeBody], db_session: Session, principal: Caller
) -> RequestDetailPublic:
    request = await service.merge(db_session, principal.actor, request_id, data.into, utcnow())
    return await service.detail(db_session, request)


@get(
    "/api/v1/stats",
    tags=["hotline"],
    summary="The rates by subdistrict, department, category or channel, for local days",
)
async def stats(
    db_session: Session,
    principal: Caller,
    start: Annotated[date, QueryParameter(name="from", description="the first local day")],
    end: Annotated[date, QueryParameter(name="to", description="the last local day")],
    by: Annotated[
        Literal["subdistrict", "department", "category", "channel"],
        QueryParameter(description="the grouping"),
    ] = "subdistrict",
) -> StatsPublic:
    return await service.stats(db_session, principal.actor, start, end, by, utcnow())


def _time(description: str) -> QueryParameter:
    # Read as text: Litestar would take a number for a time (seconds since 1970).
    return QueryParameter(
        description=description, format="date-time", pattern=YEAR_PATTERN, max_length=40
    )


@get(
    "/api/v1/dashboard",
    tags=["hotline"],
    summary="Volumes, time to resolve, overdue and satisfaction, by level and unit",
)
async def dashboard(
    db_session: Session,
    principal: Caller,
    since: Annotated[str | None, _time("only requests received from then on")] = None,
    until: Annotated[str | None, _time("only requests received before then")] = None,
) -> DashboardPublic:
    try:
        start = parse_instant("since", since) if since else None
        end = parse_instant("until", until) if until else None
    except ValueError as refused:
        raise Refusal("invalid_request", str(refused), 400) from None
    return await service.dashboard(db_session, principal.actor, utcnow(), start, end)


ROUTES = [
    create_request,
    list_requests,
    get_request,
    request_timelines,
    request_assignees,
    dispatch_request,
    assign_request,
    verify_request,
    feedback_request,
    rate_request,
    call_back,
    merge_request,
    stats,
    dashboard,
]
__all__ = ["ROUTES"]
