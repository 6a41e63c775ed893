"""The background round: overdue requests escalated, planned visits made, missed visits
alerted, the feed compacted, closed throttle windows and old failed sign-ins forgotten. Every
process runs the loop; only the leader does the round.
"""

import asyncio
import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from server.blobs.uploads import PARTIAL_UPLOAD_KEEP_S, store_for
from server.clock import utcnow
from server.ops import metrics
from server.ops.leader import Leadership
from server.runtime import Runtime
from server.sync import compaction

log = logging.getLogger("doorstep.background")


@dataclass(frozen=True)
class RoundReport:
    escalated: int
    visits_made: int
    alerts_raised: int
    feed_removed: int


async def run_round(runtime: Runtime, now: datetime | None = None) -> RoundReport:
    """One round of the background work, as the leader does it."""
    from server.auth.service import forget_old_login_failures
    from server.hotline.service import escalate_overdue
    from server.plans.service import generate_due_visits, raise_missed
    from server.public.throttle import forget_closed_windows

    now = now or utcnow()
    gate = runtime.write_gate or nullcontext()
    async with gate, runtime.sessions() as session, session.begin():
        escalated = await escalate_overdue(session, now)
        made = await generate_due_visits(session, now)
        missed = await raise_missed(session, now)
        await compaction.mark(session, now)
        # Throttle rows whose windows have closed, of clients that never came back.
        await forget_closed_windows(session, now.timestamp())
        await forget_old_login_failures(session, runtime, now)
    metrics.ESCALATIONS.inc(len(escalated))
    removed = 0
    if runtime.settings.feed_keep_days > 0:
        async with runtime.write_gate or nullcontext(), runtime.sessions() as session:
            async with session.begin():
                done = await compaction.compact_older_than(
                    session, runtime.settings.feed_keep_days, now
                )
        removed = done.removed
        metrics.FEED_COMPACTED.inc(removed)
    store_for(runtime).sweep(PARTIAL_UPLOAD_KEEP_S)  # uploads a phone gave up on
    return RoundReport(len(escalated), len(made), len(missed), removed)


async def run_background_rounds(runtime: Runtime, leadership: Leadership) -> None:
    """Every `escalation_every_s` seconds: if this process leads, one round."""
    every = runtime.settings.escalation_every_s
    try:
        while True:
            await asyncio.sleep(every)
            try:
                if not await leadership.ensure():
                    continue
                report = await run_round(runtime)
                metrics.BACKGROUND_ROUNDS.labels("ok").inc()
                if report.escalated or report.visits_made or report.alerts_raised:
                    log.info(
                        "background round",
                        extra={
                            "fields": {
                                "escalated": report.escalated,
                                "visits_made": report.visits_made,
                                "alerts_raised": report.alerts_raised,
                                "feed_removed": report.feed_removed,
                            }
                        },
                    )
            except Exception:
                metrics.BACKGROUND_ROUNDS.labels("failed").inc()
                log.exception("background round failed")
    finally:
        await leadership.release()


def start(runtime: Runtime) -> asyncio.Task | None:
    """The loop as a task of this process, or None when the settings turn it off."""
    if not runtime.settings.escalation_every_s:
        return None
    return asyncio.create_task(
        run_background_rounds(runtime, Leadership(runtime.settings.session_database_url))
    )
