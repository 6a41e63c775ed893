"""What was recorded on a visit: its check-ins and services, for the pages that show a visit
with its proof (the console's visit page). Scope is the visit's: who sees the visit sees what
was recorded on it."""

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tables import User
from server.db.types import utcnow
from server.org.service import all_units
from server.residents.service import get_visible
from server.residents.tables import Resident
from server.visits.service import get_visible_visit
from server.visits.tables import Checkin, ServiceRecord, Visit
from shared.permissions import Actor, sees_visit


async def visit_with_records(
    session: AsyncSession, actor: Actor, visit_id: UUID
) -> tuple[Visit, Resident, User | None, list[Checkin], list[ServiceRecord]]:
    """The visit (not_found outside the actor's scope), its resident, its assignee, and the
    check-ins and services recorded on it, oldest first."""
    visit = await get_visible_visit(session, actor, visit_id)
    resident = await get_visible(session, actor, visit.resident_id)
    assignee = await session.get(User, visit.assignee_id) if visit.assignee_id else None
    checkins = await session.scalars(
        select(Checkin).where(Checkin.visit_id == visit.id).order_by(Checkin.at)
    )
    services = await session.scalars(
        select(ServiceRecord).where(ServiceRecord.visit_id == visit.id).order_by(ServiceRecord.at)
    )
    return visit, resident, assignee, list(checkins.all()), list(services.all())


async def visits_for_request(session: AsyncSession, actor: Actor, request_id: UUID) -> list[Visit]:
    """The visits made for a hotline request that the actor sees, newest first."""
    rows = await session.scalars(
        select(Visit).where(Visit.request_id == request_id).order_by(Visit.created_at.desc())
    )
    units, now = await all_units(session), utcnow()

    def path(unit_id: UUID) -> str:
        unit = units.get(unit_id)
        return unit.path if unit else ""

    return [
        visit
        for visit in rows.all()
        if sees_visit(
            actor, path(visit.community_id), visit.assignee_id, visit.status, visit.closed_at, now
        )
    ]
