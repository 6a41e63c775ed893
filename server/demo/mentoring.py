"""The demo's mentoring (一帮一): each family mentor1 mentors has a rhythm of visits, so the
console's mentoring page shows it and the visits keep coming to the mentor's phone."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import utcnow
from server.plans.tables import VisitPlan
from server.residents.tables import Resident
from shared.enums import VisitKind


def plan_mentoring(session: AsyncSession, people: list[Resident]) -> int:
    """A mentoring plan (every 14 days, the next one after the visits the demo already holds)
    for the first resident of each mentored family; how many were made."""
    families: dict = {}
    for resident in people:
        if resident.mentor_id is not None:
            families.setdefault(resident.household_id or resident.id, resident)
    now = utcnow()
    for index, resident in enumerate(families.values()):
        session.add(
            VisitPlan(
                kind=VisitKind.MENTORING,
                resident_id=resident.id,
                community_id=resident.community_id,
                assignee_id=resident.mentor_id,
                interval_days=14,
                next_due_at=now + timedelta(days=10 + index),
            )
        )
    return len(families)
