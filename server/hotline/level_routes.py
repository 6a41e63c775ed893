"""HTTP: a department's steps on the requests routed to it (accept, resolve, transfer; its
return: review_routes.py) and supervision (督办): inspectors' notes, the responsible level's
answers, and the list of requests overdue or rated poorly. Each handler parses, calls the
service, answers."""

from typing import Annotated
from uuid import UUID

from litestar import get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from server.clock import utcnow
from server.deps import Caller, Session
from server.hotline import service
from server.hotline.schemas import (
    AcceptBody,
    NoteBody,
    RequestDetailPublic,
    RequestPublic,
    TransferBody,
)


@post(
    "/api/v1/requests/{request_id:uuid}/accept",
    tags=["hotline"],
    status_code=200,
    summary="A department accepts a request routed to it (its clock to resolve starts)",
)
async def accept_request(
    request_id: FromPath[UUID], db_session: Session, principal: Caller, data: JSONBody[AcceptBody]
) -> RequestDetailPublic:
    request = await service.accept(db_session, principal.actor, request_id, utcnow(), data.note)
    return await service.detail(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/resolve",
    tags=["hotline"],
    status_code=200,
    summary="A department reports the work done; the office holding it verifies",
)
async def resolve_request(
    request_id: FromPath[UUID], data: JSONBody[NoteBody], db_session: Session, principal: Caller
) -> RequestDetailPublic:
    request = await service.resolve(db_session, principal.actor, request_id, data.note, utcnow())
    return await service.detail(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/transfer",
    tags=["hotline"],
    status_code=200,
    summary="A department hands a request to another member department",
)
async def transfer_request(
    request_id: FromPath[UUID], data: JSONBody[TransferBody], db_session: Session, principal: Caller
) -> RequestDetailPublic:
    request = await service.transfer(
        db_session, principal.actor, request_id, data.department_code, data.note, utcnow()
    )
    return await service.detail(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/supervision",
    tags=["hotline"],
    status_code=201,
    summary="An inspector's supervision note (督办); the responsible level must answer it",
)
async def supervise_request(
    request_id: FromPath[UUID], data: JSONBody[NoteBody], db_session: Session, principal: Caller
) -> RequestDetailPublic:
    request = await service.add_note(db_session, principal.actor, request_id, data.note, utcnow())
    return await service.detail(db_session, request)


@post(
    "/api/v1/requests/{request_id:uuid}/supervision/{note_id:uuid}/answer",
    tags=["hotline"],
    status_code=200,
    summary="The responsible level answers a supervision note",
)
async def answer_note(
    request_id: FromPath[UUID],
    note_id: FromPath[UUID],
    data: JSONBody[NoteBody],
    db_session: Session,
    principal: Caller,
) -> RequestDetailPublic:
    request = await service.answer(
        db_session, principal.actor, request_id, note_id, data.note, utcnow()
    )
    return await service.detail(db_session, request)


@get(
    "/api/v1/supervision",
    tags=["hotline"],
    summary="Requests overdue or rated poorly, in your part of the tree (inspectors, managers)",
)
async def supervision_list(
    db_session: Session,
    principal: Caller,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 500,
) -> list[RequestPublic]:
    rows = await service.watch_list(db_session, principal.actor, utcnow(), limit)
    return await service.public(db_session, rows)


ROUTES = [
    accept_request,
    resolve_request,
    transfer_request,
    supervise_request,
    answer_note,
    supervision_list,
]
__all__ = ["ROUTES"]
