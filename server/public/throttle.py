"""The public doors' throttle: a sliding window of attempts per client address and kind of
action (submit, read, rate, …).

The client is `server.auth.clients.client_address` (the peer, or what a trusted proxy vouches
for), as for the sign-in throttle. On PostgreSQL, where several server processes share one
database, every attempt is a row of `throttle_hit`, counted under a transaction-scoped advisory
lock on the client and kind, so that `--workers 4` still gives a client the limit once, not
four times. The count is committed on its own, before the request's work: a request that then
fails (a wrong token's 404) has still been counted. On SQLite the server is one process, and
the window lives in its memory.
"""

import math
import time
from collections import deque
from dataclasses import dataclass, field

from litestar import Request
from sqlalchemy import delete, func, insert, select, text

from server.auth.clients import client_address
from server.errors import ProblemError
from server.public.tables import ThrottleHit

# kind → (attempts allowed, within this many seconds)
LIMITS: dict[str, tuple[int, float]] = {
    "submit": (5, 600.0),  # new requests: five in ten minutes
    "read": (120, 60.0),  # tracking pages, the catalogue
    "rate": (10, 600.0),  # ratings (a request takes one per feedback anyway)
    "file": (120, 600.0),  # an Open311 client's reports, counted per API key
    # Look-ups by number and phone: a number is easy to guess, so few tries; a resident who
    # mistypes twice or thrice still gets through.
    "lookup": (10, 600.0),
}
MAX_CLIENTS = 50_000  # past this, the oldest windows are forgotten first


@dataclass
class Throttle:
    limits: dict[str, tuple[int, float]] = field(default_factory=lambda: dict(LIMITS))
    _seen: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def wait(self, client: str, kind: str, now: float | None = None) -> int:
        """Seconds this client must wait before another `kind`; 0: go ahead (and counted)."""
        allowed, window = self.limits[kind]
        now = time.monotonic() if now is None else now
        key = (client, kind)
        hits = self._seen.pop(key, None) or deque()
        while hits and hits[0] <= now - window:
            hits.popleft()
        self._seen[key] = hits  # re-inserted: the dict stays ordered by last use
        if len(hits) >= allowed:
            return max(1, math.ceil(hits[0] + window - now))
        hits.append(now)
        while len(self._seen) > MAX_CLIENTS:
            self._seen.pop(next(iter(self._seen)))
        return 0

    def check(self, client: str, kind: str) -> None:
        """429 `rate_limited` (with Retry-After) when the client has used up its window."""
        refuse(self.wait(client, kind))


def refuse(wait: int) -> None:
    if wait:
        raise ProblemError(
            429,
            "rate_limited",
            f"Too many attempts. Wait {wait} seconds and try again.",
            retry_after=wait,
        )


@dataclass
class SharedThrottle:
    """The same window, counted in the database that every server process shares."""

    sessions: object  # the runtime's session maker
    limits: dict[str, tuple[int, float]] = field(default_factory=lambda: dict(LIMITS))

    async def wait(self, client: str, kind: str, now: float | None = None) -> int:
        allowed, window = self.limits[kind]
        now = time.time() if now is None else now
        client = client[:200]
        mine = (ThrottleHit.client == client) & (ThrottleHit.kind == kind)
        async with self.sessions() as session, session.begin():
            # One client and kind at a time, in every process; other clients never wait.
            await session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:slot))"),
                {"slot": f"throttle:{kind}:{client}"},
            )
            await session.execute(delete(ThrottleHit).where(mine, ThrottleHit.at <= now - window))
            count, oldest = (
                await session.execute(select(func.count(), func.min(ThrottleHit.at)).where(mine))
            ).one()
            if count >= allowed:
                return max(1, math.ceil(oldest + window - now))
            await session.execute(insert(ThrottleHit).values(client=client, kind=kind, at=now))
            return 0


async def forget_closed_windows(session, now: float) -> int:
    """Delete the shared window's rows older than the longest window, whoever made them: a
    client's own rows go when it comes back, but one that never does (a scanner, an address
    used once) would otherwise leave its rows for ever. The background round calls this."""
    longest = max(window for _, window in LIMITS.values())
    done = await session.execute(delete(ThrottleHit).where(ThrottleHit.at <= now - longest))
    return done.rowcount or 0


async def guard(request: Request, kind: str, who: str | None = None) -> None:
    """Count this request against the window of `kind` of its client (or of `who`, such as an
    API key); 429 when it is used up."""
    state = request.app.state
    runtime = state.runtime
    client = who or client_address(request, runtime.settings)
    throttle = state.get("public_throttle")
    if throttle is None:
        if runtime.engine.dialect.name == "postgresql":
            throttle = SharedThrottle(runtime.sessions)
        else:
            throttle = Throttle()
        state["public_throttle"] = throttle
    if isinstance(throttle, SharedThrottle):
        refuse(await throttle.wait(client, kind))
    else:
        throttle.check(client, kind)
