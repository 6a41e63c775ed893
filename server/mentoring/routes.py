"""HTTP: mentoring (一帮一) — pairing mentors with families, the visit rhythm, and each
family's visits and assistance with totals. Supervisors and admins, in their part of the tree."""

from uuid import UUID

from litestar import get, post, put
from litestar.params import FromPath, JSONBody

from server.clock import utcnow
from server.deps import Caller, Session
from server.mentoring import service
from server.mentoring.schemas import (
    DifficultyBody,
    FamilyDetailPublic,
    FamilyPublic,
    MentorPublic,
    PairBody,
)


@post(
    "/api/v1/mentoring/pairs",
    tags=["mentoring"],
    status_code=200,
    summary="Pair a mentor with a family and set the rhythm of mentoring visits",
)
async def pair(
    data: JSONBody[PairBody], db_session: Session, principal: Caller
) -> FamilyDetailPublic:
    return await service.pair(
        db_session,
        principal.actor,
        data.resident_id,
        data.mentor_id,
        data.interval_days,
        data.first_due or utcnow(),
    )


@post(
    "/api/v1/mentoring/pairs/{resident_id:uuid}/end",
    tags=["mentoring"],
    status_code=200,
    summary="End a family's mentoring: no mentor, no more planned visits",
)
async def end_pair(
    resident_id: FromPath[UUID], db_session: Session, principal: Caller
) -> FamilyDetailPublic:
    return await service.end(db_session, principal.actor, resident_id)


@get("/api/v1/mentoring/families", tags=["mentoring"], summary="Mentored families, with totals")
async def list_families(db_session: Session, principal: Caller) -> list[FamilyPublic]:
    return await service.families(db_session, principal.actor)


@get(
    "/api/v1/mentoring/families/{resident_id:uuid}",
    tags=["mentoring"],
    summary="One family: its mentor, rhythm, visits and assistance",
)
async def get_family(
    resident_id: FromPath[UUID], db_session: Session, principal: Caller
) -> FamilyDetailPublic:
    return await service.family(db_session, principal.actor, resident_id)


@put(
    "/api/v1/mentoring/families/{resident_id:uuid}/difficulty",
    tags=["mentoring"],
    status_code=200,
    summary="Record the household's difficulty type (特困, 低保, 低保边缘, …)",
)
async def set_difficulty(
    resident_id: FromPath[UUID],
    data: JSONBody[DifficultyBody],
    db_session: Session,
    principal: Caller,
) -> FamilyDetailPublic:
    return await service.set_difficulty(db_session, principal.actor, resident_id, data.difficulty)


@get("/api/v1/mentoring/mentors", tags=["mentoring"], summary="Mentors in your area")
async def list_mentors(db_session: Session, principal: Caller) -> list[MentorPublic]:
    return await service.mentors(db_session, principal.actor)


ROUTES = [pair, end_pair, list_families, get_family, set_difficulty, list_mentors]
