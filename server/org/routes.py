"""HTTP: the org tree, the catalogue, conflicts and the audit trail, in scope."""

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.tables import AuditEntry
from server.catalogue.tables import ServiceCategory
from server.errors import forbidden
from server.feed.tables import ConflictEntry
from server.org import service
from shared.permissions import Actor, may_read_audit, reads_unplaced_audit


@get("/api/v1/org-units", tags=["org"], summary="Your unit and every unit below it")
async def org_units(
    db_session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
) -> list[dict]:
    return [u.sync_data() for u in await service.visible_units(db_session, actor)]


@get("/api/v1/catalogue", tags=["org"], summary="The service catalogue")
async def catalogue(
    db_session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
) -> list[dict]:
    rows = await db_session.scalars(select(ServiceCategory).order_by(ServiceCategory.code))
    return [row.sync_data() for row in rows.all()]


@get(
    "/api/v1/conflicts",
    tags=["sync"],
    summary="Values that did not stand: yours, or (managers) your area's",
)
async def conflicts(
    db_session: NamedDependency[AsyncSession],
    actor: NamedDependency[Actor],
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> list[dict]:
    actor = actor
    query = select(ConflictEntry)
    if actor.is_manager:
        ids = [u.id for u in await service.subtree(db_session, actor.unit_path)]
        query = query.where(ConflictEntry.community_id.in_(ids))
    else:
        query = query.where(
            or_(ConflictEntry.loser_id == actor.user_id, ConflictEntry.winner_id == actor.user_id)
        )
    rows = await db_session.scalars(query.order_by(ConflictEntry.at.desc()).limit(limit))
    return [
        {
            "id": str(c.id),
            "at": c.at,
            "entity": c.entity,
            "record_id": str(c.record_id),
            "field": c.field,
            "lost_value": c.lost_value,
            "kept_value": c.kept_value,
            "loser_id": str(c.loser_id) if c.loser_id else None,
            "winner_id": str(c.winner_id) if c.winner_id else None,
        }
        for c in rows.all()
    ]


@get("/api/v1/audit", tags=["org"], summary="The audit trail of your area (managers)")
async def audit_trail(
    db_session: NamedDependency[AsyncSession],
    actor: NamedDependency[Actor],
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> list[dict]:
    if not may_read_audit(actor):
        raise forbidden("Only supervisors and admins read the audit trail.")
    ids = [u.id for u in await service.subtree(db_session, actor.unit_path)]
    query = select(AuditEntry)
    if not reads_unplaced_audit(actor):
        query = query.where(AuditEntry.community_id.in_(ids))
    rows = await db_session.scalars(query.order_by(AuditEntry.at.desc()).limit(limit))
    return [
        {
            "id": str(a.id),
            "at": a.at,
            "actor_id": str(a.actor_id) if a.actor_id else None,
            "device_id": str(a.device_id) if a.device_id else None,
            "action": a.action,
            "entity": a.entity,
            "record_id": str(a.record_id) if a.record_id else None,
            "detail": a.detail,
        }
        for a in rows.all()
    ]


ROUTES = [org_units, catalogue, conflicts, audit_trail]
