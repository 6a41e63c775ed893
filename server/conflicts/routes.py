"""HTTP: the conflict log, in scope."""

from typing import Annotated

from litestar import get
from litestar.params import QueryParameter

from server.conflicts import service
from server.conflicts.schemas import ConflictPublic
from server.deps import Actor_, Session


@get(
    "/api/v1/conflicts",
    tags=["sync"],
    summary="Values that did not stand: yours, or (managers) your area's",
)
async def conflicts(
    db_session: Session,
    actor: Actor_,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> list[ConflictPublic]:
    rows = await service.in_scope(db_session, actor, limit)
    return [ConflictPublic.from_row(conflict) for conflict in rows]


ROUTES = [conflicts]
