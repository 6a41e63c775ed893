"""The demo's history made by the rules: after the demo's past days are seeded, the clock is
walked over them a quarter of an hour at a time and the background round's escalation runs at
each step, so an overdue request is escalated when it would have been (and again at the top,
as the rule says), not all at once when the server first starts.

The seeded steps each request takes are done before the walk, so the walk sees each request
as it ends up; the demo's own steps all happen within hours of a call, before its stage limit,
so what the walk escalates is what a server running through those days would have escalated."""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.hotline.tables import HotlineRequest
from shared.requests import RequestStatus

STEP = timedelta(minutes=15)  # the shortest stage limit (shared/requests.py stage_due)


async def walk(session: AsyncSession, until: datetime, step: timedelta = STEP) -> int:
    """Escalation at each `step` from the earliest open stage's due time up to `until` (the
    seeding's now); returns how many escalations the walk made."""
    from server.hotline.service import escalate_overdue

    await session.flush()
    earliest = await session.scalar(
        select(func.min(HotlineRequest.stage_due_at)).where(
            HotlineRequest.status != RequestStatus.CLOSED
        )
    )
    if earliest is None or earliest >= until:
        return 0
    tick, made = earliest + step, 0
    while tick < until:
        made += len(await escalate_overdue(session, tick))
        tick += step
    made += len(await escalate_overdue(session, until))
    await session.flush()
    return made
