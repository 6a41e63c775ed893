"""HTTP: the conflict log, in scope."""

from typing import Annotated

from litestar import get
from litestar.params import QueryParameter
from sqlalchemy import or_, select

from server.conflicts.schemas import ConflictPublic
from server.conflicts.tables import ConflictEntry
from server.deps import Actor_, Session
from server.org import service


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
    query = select(ConflictEntry)
    if actor.is_manager:
        ids = [u.id for u in await service.subtree(db_session, actor.unit_path)]
        query = query.where(ConflictEntry.community_id.in_(ids))
    else:
        query = query.where(
            or_(ConflictEntry.loser_id == actor.user_id, ConflictEntry.winner_id == actor.user_id)
        )
    rows = await db_session.scalars(query.order_by(ConflictEntry.at.desc()).limit(limit))
    return [ConflictPublic.from_row(conflict) for conflict in rows.all()]


ROUTES = [conflicts]
