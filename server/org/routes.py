"""HTTP: the org tree, the catalogue and the audit trail, in scope."""

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.schemas import AuditEntryPublic
from server.audit.tables import AuditEntry
from server.catalogue.schemas import ServiceCategoryPublic
from server.catalogue.tables import ServiceCategory
from server.errors import forbidden
from server.org import service
from server.org.schemas import DepartmentPublic, OrgUnitPublic
from shared.permissions import Actor, may_read_audit, reads_unplaced_audit


@get("/api/v1/org-units", tags=["org"], summary="Your unit (managers: and every unit below it)")
async def org_units(
    db_session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
) -> list[OrgUnitPublic]:
    units = await service.readable_units(db_session, actor)
    return [OrgUnitPublic.from_row(unit) for unit in units]


@get("/api/v1/departments", tags=["org"], summary="The district's member departments")
async def departments(
    db_session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
) -> list[DepartmentPublic]:
    return [DepartmentPublic.from_row(row) for row in await service.departments(db_session)]


@get("/api/v1/catalogue", tags=["org"], summary="The service catalogue")
async def catalogue(
    db_session: NamedDependency[AsyncSession], actor: NamedDependency[Actor]
) -> list[ServiceCategoryPublic]:
    rows = await db_session.scalars(select(ServiceCategory).order_by(ServiceCategory.code))
    return [ServiceCategoryPublic.from_row(row) for row in rows.all()]


@get("/api/v1/audit", tags=["org"], summary="The audit trail of your area (managers)")
async def audit_trail(
    db_session: NamedDependency[AsyncSession],
    actor: NamedDependency[Actor],
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> list[AuditEntryPublic]:
    if not may_read_audit(actor):
        raise forbidden("Only supervisors and admins read the audit trail.")
    ids = [u.id for u in await service.subtree(db_session, actor.unit_path)]
    query = select(AuditEntry)
    if not reads_unplaced_audit(actor):
        query = query.where(AuditEntry.community_id.in_(ids))
    rows = await db_session.scalars(query.order_by(AuditEntry.at.desc()).limit(limit))
    return [AuditEntryPublic.from_row(entry) for entry in rows.all()]


ROUTES = [org_units, departments, catalogue, audit_trail]
