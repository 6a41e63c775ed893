"""Steps the demo's people take the way a phone would: a worker at the door starts a visit and
completes it there, with the proof of the place. Used by the seed and by the requests that
wait for a decision, so both leave the same trail."""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from server.demo import places
from server.residents.tables import Resident
from server.visits import service as visits
from shared import mutations as m
from shared.permissions import Actor


async def visit_at_the_door(
    session: AsyncSession,
    worker: Actor,
    visit_id,
    resident: Resident,
    at: datetime,
    took: timedelta,
    summary: str,
) -> None:
    """Start the visit at `at` and complete it `took` later, at the resident's home."""
    await visits.start(session, worker, m.VisitStart(visit_id=visit_id, at=at))
    done = at + took
    await visits.complete(
        session,
        worker,
        m.VisitComplete(
            visit_id=visit_id, at=done, summary=summary, proof=places.visit_place(resident, done)
        ),
    )
