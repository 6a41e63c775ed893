"""Pulls from a streaming replica (`DOORSTEP_READ_DATABASE_URL`, contract v3 extension).

The caller's token and standing are checked on the primary (a device revoked a moment ago is
refused at once, and a device that signed in a moment ago is known). The pull itself (the
device's `last_seq`, the feed page with the feed clock, the records) reads the replica.

*Why the cursor never passes the replica's replay position.* Feed versions are handed out in
commit order under the feed clock's row lock (docs/sync.md), so the commit records of the
transactions that wrote versions 1, 2, 3, … stand in the WAL in that order too, and a hot
standby makes a transaction visible when it replays its commit record: a replica's snapshot
holds a prefix of the feed, and its `feed_clock` row is the last version of that prefix. The
page and the clock are read in one statement (`feed_query.page`), so a pull that reaches the
end moves its cursor up to the version the *replica* has replayed, never past it: what the
primary committed beyond that comes in a later pull, once replayed. No entry is skipped.

*`last_seq`* is read on the replica too, before the feed: every mutation it covers then has
its entries in what the pull reads. (The primary's would be ahead of a lagging replica's data,
and the phone would drop outbox entries whose effects it has not yet pulled.) A device the
replica does not know yet has applied nothing there: 0.

*Live events* (server/sync/live.py) wait until the replica has replayed the change they
announce (`PullReader.holds`, at most `LIVE_WAIT_S`), so the pull a phone makes on one finds it.

*The route's pull* runs this on the driver's own connections (server/sync/lean.py: `last_seq`,
page and records on a replica connection, the standing on the primary's); `pull` below is the
same in ORM sessions, the reference it is tested against.

*When the replica cannot answer* (down, restarting, a query cancelled by a conflict with
replay), the pull is read from the primary instead, and the replica is left alone for
`RETRY_AFTER_S` so that every pull does not wait for its connection first.
"""

import asyncio
import logging
import time
from uuid import UUID

import asyncpg
from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.auth.service import Principal
from server.auth.tables import Device
from server.feed.tables import FeedClock
from server.runtime import Runtime
from server.sync import service
from shared.protocol import PullResponse

log = logging.getLogger("doorstep.sync")

RETRY_AFTER_S = 10.0  # after a failure, pulls read the primary this long
CONNECT_TIMEOUT_S = 2.0  # a replica that does not answer is given up this soon
# What a replica that cannot answer raises (asyncpg's connection errors are OSErrors,
# TimeoutError included; the driver's errors come wrapped in DBAPIError).
UNAVAILABLE = (OSError, DBAPIError)
# The same, on the driver's own connection (server/sync/lean.py): asyncpg's errors unwrapped.
UNAVAILABLE_RAW = (OSError, DBAPIError, asyncpg.PostgresError, asyncpg.InterfaceError)

LIVE_WAIT_S = 5.0  # a live event waits this long at most for the replica to replay its change
POLL_S = 0.01  # how often a waiting event's process asks the replica's feed clock

_CLOCK = select(FeedClock.version).where(FeedClock.id == 1)
LAST_SEQ = select(Device.last_seq).where(Device.id == bindparam("device_id"))


class PullReader:
    """The replica pulls read from, whether it is being given a rest, and the feed version it
    was last seen to have replayed."""

    def __init__(self, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.engine, self.sessions = engine, sessions
        self.resting_until = 0.0
        self.replayed = 0  # the replica's feed clock, as last read
        self.polling = asyncio.Lock()  # one reader of it at a time, however many streams wait

    async def holds(self, version: int, wait_s: float = LIVE_WAIT_S) -> bool:
        """Whether the replica has replayed feed `version`, waiting for it at most `wait_s`.

        A live event waits here, so that the pull it leads to finds its change on the replica.
        The streams of a process share one poll of the replica's feed clock."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while self.replayed < version:
            if loop.time() >= deadline or not self.usable():
                return False
            async with self.polling:
                if self.replayed >= version:  # another stream's poll saw it meanwhile
                    break
                try:
                    async with self.engine.connect() as connection:
                        seen = (await connection.execute(_CLOCK)).scalar_one()
                except UNAVAILABLE:
                    log.warning("the read replica could not be asked its feed version")
                    self.failed()
                    return False
                self.replayed = max(self.replayed, seen)
                if self.replayed < version:
                    await asyncio.sleep(POLL_S)
        return True

    def usable(self) -> bool:
        return time.monotonic() >= self.resting_until

    def failed(self) -> None:
        self.resting_until = time.monotonic() + RETRY_AFTER_S


async def replayed_last_seq(session: AsyncSession, device_id: UUID) -> int:
    """The device's last applied seq as the replica has replayed it (0: not there yet)."""
    connection = await session.connection()
    found = (await connection.execute(LAST_SEQ, {"device_id": device_id})).scalar()
    return found or 0


async def pull(
    primary: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    cursor: str | None,
    limit: int,
) -> PullResponse:
    """A pull, read from the replica when there is one that answers, else from `primary`."""
    reader: PullReader | None = runtime.pull_reader
    if reader is None:
        return await service.pull(primary, runtime, principal, cursor, limit)
    if reader.usable():
        try:
            async with reader.sessions() as session, session.begin():
                last_seq = await replayed_last_seq(session, principal.actor.device_id)
                return await service.pull(
                    session, runtime, principal, cursor, limit, last_seq=last_seq
                )
        except UNAVAILABLE:
            log.warning(
                "the read replica could not answer a pull: reading the primary", exc_info=True
            )
            reader.failed()
    return await service.pull(primary, runtime, principal, cursor, limit)
