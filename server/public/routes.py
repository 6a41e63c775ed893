"""HTTP: the residents' JSON API under /api/v1/public/ — report, follow by the private token
(or look up by number and phone), rate, the catalogue and the workstations. No account; every
call throttled per client."""

from typing import Annotated

import msgspec
from litestar import Request, get, post
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.params import FromPath, JSONBody, QueryParameter

from server.clock import utcnow
from server.deps import Session
from server.public import service
from server.public.schemas import (
    PublicCategoryPublic,
    PublicRatingBody,
    PublicReceiptPublic,
    PublicRequestCreate,
    PublicRequestViewPublic,
    WorkstationPublic,
)
from server.public.throttle import guard

TRACK = "/public/track/"
# What a token opens is one resident's request: no cache (a shared proxy, the browser's back
# button on a shared phone) keeps it, and no search engine lists it.
PRIVATE = {
    "cache_control": CacheControlHeader(no_store=True),
    "response_headers": [ResponseHeader(name="X-Robots-Tag", value="noindex")],
}


@post(
    "/api/v1/public/requests",
    tags=["public"],
    status_code=201,
    summary="A resident reports a problem (no account): the number and a private tracking token",
)
async def report(
    request: Request, data: JSONBody[PublicRequestCreate], db_session: Session
) -> PublicReceiptPublic:
    await guard(request, "submit")
    created, token = await service.submit(
        db_session, msgspec.structs.asdict(data), "public", utcnow()
    )
    return PublicReceiptPublic(
        number=created.number,
        tracking_token=token,
        tracking_url=TRACK + token,
        repeat_of=await service.earlier_number(db_session, created),
    )


@get(
    "/api/v1/public/requests/{tracking_token:str}",
    tags=["public"],
    summary="The request a tracking token follows: status, category, steps (no staff details)",
    **PRIVATE,
)
async def track(
    request: Request, tracking_token: FromPath[str], db_session: Session
) -> PublicRequestViewPublic:
    await guard(request, "read")
    return await service.view(db_session, await service.by_token(db_session, tracking_token))


@get(
    "/api/v1/public/lookup",
    tags=["public"],
    summary="The request with this number whose caller's phone is this phone: the tracking view "
    "(404, the same for every miss; throttled; no rating through it)",
    **PRIVATE,
)
async def lookup(
    request: Request,
    db_session: Session,
    number: Annotated[
        str, QueryParameter(description="the request's number, YYMMDD-NNNN", max_length=40)
    ],
    phone: Annotated[
        str,
        QueryParameter(
            description="the caller's phone, as typed (full-width digits, +86, dashes read)",
            max_length=60,
        ),
    ],
) -> PublicRequestViewPublic:
    await guard(request, "lookup")
    found = await service.by_number_and_phone(db_session, number, phone)
    return await service.view(db_session, found)


@post(
    "/api/v1/public/requests/{tracking_token:str}/rating",
    tags=["public"],
    status_code=200,
    summary="The resident rates the result with the token: 3–5 closes, 1–2 reopens",
    **PRIVATE,
)
async def rate(
    request: Request,
    tracking_token: FromPath[str],
    data: JSONBody[PublicRatingBody],
    db_session: Session,
) -> PublicRequestViewPublic:
    await guard(request, "rate")
    rated = await service.rate(db_session, tracking_token, data.score, data.comment, utcnow())
    return await service.view(db_session, rated)


@get(
    "/api/v1/public/catalogue",
    tags=["public"],
    summary="The services residents may ask for, with their time limits",
)
async def catalogue(request: Request, db_session: Session) -> list[PublicCategoryPublic]:
    await guard(request, "read")
    return await service.catalogue(db_session)


@get(
    "/api/v1/public/workstations",
    tags=["public"],
    summary="The community workstations and service offices (or one community's)",
)
async def workstations(
    request: Request,
    db_session: Session,
    community: Annotated[
        str | None, QueryParameter(description="a community's code", max_length=40)
    ] = None,
) -> list[WorkstationPublic]:
    await guard(request, "read")
    return await service.workstations(db_session, community)


ROUTES = [report, track, lookup, rate, catalogue, workstations]
__all__ = ["ROUTES"]
