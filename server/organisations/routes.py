"""HTTP: the register of organisations and teams, their activities, and the figures."""

from typing import Annotated
from uuid import UUID

from litestar import get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from server.deps import Actor_, Runtime_, Session
from server.organisations import service
from server.organisations.schemas import (
    ActivityCreate,
    ActivityPublic,
    Figures,
    Kind,
    OrganisationCreate,
    OrganisationDetail,
    OrganisationPublic,
)
from server.schemas import Offset


@get("/api/v1/organisations", tags=["organisations"], summary="The register of your area")
async def list_organisations(
    db_session: Session,
    actor: Actor_,
    kind: Annotated[
        Kind | None, QueryParameter(description="social_org, volunteer_team, patrol_team")
    ] = None,
    org_unit: Annotated[
        str | None, QueryParameter(max_length=40, description="a unit's code")
    ] = None,
    q: Annotated[str | None, QueryParameter(max_length=80, description="name contains")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
    offset: Offset = 0,
) -> list[OrganisationPublic]:
    return await service.search(db_session, actor, kind, org_unit, q, limit, offset)


@post("/api/v1/organisations", tags=["organisations"], summary="Add an organisation or team")
async def create_organisation(
    data: JSONBody[OrganisationCreate],
    db_session: Session,
    actor: Actor_,
) -> OrganisationPublic:
    return await service.create(db_session, actor, data)


@get(
    "/api/v1/organisations/figures",
    tags=["organisations"],
    summary="Organisations, teams, participants and hours of your area",
)
async def organisation_figures(
    db_session: Session,
    actor: Actor_,
    runtime: Runtime_,
    org_unit: Annotated[
        str | None, QueryParameter(max_length=40, description="a unit's code; default: yours")
    ] = None,
) -> Figures:
    return await service.figures(db_session, actor, runtime.settings.timezone, org_unit)


@get(
    "/api/v1/organisations/{organisation_id:uuid}",
    tags=["organisations"],
    summary="One organisation with its activities",
)
async def get_organisation(
    organisation_id: FromPath[UUID],
    db_session: Session,
    actor: Actor_,
) -> OrganisationDetail:
    return await service.detail(db_session, actor, organisation_id)


@post(
    "/api/v1/organisations/{organisation_id:uuid}/activities",
    tags=["organisations"],
    summary="Record an activity of an organisation or team",
)
async def add_activity(
    organisation_id: FromPath[UUID],
    data: JSONBody[ActivityCreate],
    db_session: Session,
    actor: Actor_,
) -> ActivityPublic:
    return await service.add_activity(db_session, actor, organisation_id, data)


ROUTES = [
    list_organisations,
    create_organisation,
    organisation_figures,
    get_organisation,
    add_activity,
]
