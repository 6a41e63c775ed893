"""HTTP: residents, for managers setting work in motion and for reading in scope."""

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from server.deps import Caller, Session
from server.errors import ProblemError
from server.residents import service
from server.residents.schemas import ResidentPublic
from server.schemas import Offset

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class ResidentCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    community_code: Annotated[str, msgspec.Meta(max_length=40)]
    address: Annotated[str, msgspec.Meta(max_length=200)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=40)] = ""
    gender: Annotated[str, msgspec.Meta(max_length=10)] = ""
    birth_year: Annotated[int, msgspec.Meta(ge=1900, le=2100)] | None = None
    living_alone: bool = False
    low_income: bool = False
    household_id: UUID | None = None
    notes: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    # Where the home is (WGS 84): a visit's recorded place is measured against it.
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)] | None = None
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)] | None = None


@post("/api/v1/residents", tags=["residents"], summary="Add a resident to a community")
async def create_resident(
    data: JSONBody[ResidentCreate],
    db_session: Session,
    principal: Caller,
) -> ResidentPublic:
    if (data.lat is None) != (data.lon is None):
        raise ProblemError(422, "invalid_request", "Give a home's lat and lon together.")
    resident = await service.create(db_session, principal.actor, msgspec.structs.asdict(data))
    await db_session.flush()
    return ResidentPublic.from_row(resident)


@get("/api/v1/residents", tags=["residents"], summary="Residents in your area, searchable")
async def list_residents(
    db_session: Session,
    principal: Caller,
    q: Annotated[
        str | None, QueryParameter(description="name, address or phone contains", max_length=80)
    ] = None,
    community: Annotated[str | None, QueryParameter(description="a community code")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> list[ResidentPublic]:
    rows = await service.search(db_session, principal.actor, q, community, limit, offset)
    return [ResidentPublic.from_row(row) for row in rows]


@get("/api/v1/residents/{resident_id:uuid}", tags=["residents"], summary="One resident")
async def get_resident(
    resident_id: FromPath[UUID],
    db_session: Session,
    principal: Caller,
) -> ResidentPublic:
    resident = await service.get_visible(db_session, principal.actor, resident_id)
    return ResidentPublic.from_row(resident)


ROUTES = [create_resident, list_residents, get_resident]
