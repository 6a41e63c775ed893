"""The public doors' throttle: a sliding window of attempts per client address and kind of
action (submit, read, rate), held in the server process.

The client is `server.auth.clients.client_address` (the peer, or what a trusted proxy vouches
for), as for the sign-in throttle. Each process counts for itself, so with N processes a client
may get up to N times the limit: a bound on abuse, not an exact quota.
"""

import math
import time
from collections import deque
from dataclasses import dataclass, field

from litestar import Request

from server.auth.clients import client_address
from server.errors import ProblemError

# kind → (attempts allowed, within this many seconds)
LIMITS: dict[str, tuple[int, float]] = {
    "submit": (5, 600.0),  # new requests: five in ten minutes
    "read": (120, 60.0),  # tracking pages, the catalogue
    "rate": (10, 600.0),  # ratings (a request takes one per feedback anyway)
    "file": (120, 600.0),  # an Open311 client's reports, counted per API key
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
        wait = self.wait(client, kind)
        if wait:
            raise ProblemError(
                429,
                "rate_limited",
                f"Too many attempts. Wait {wait} seconds and try again.",
                retry_after=wait,
            )


def guard(request: Request, kind: str, who: str | None = None) -> None:
    """Count this request against the window of `kind` of its client (or of `who`, such as an
    API key); 429 when it is used up."""
    state = request.app.state
    throttle = state.get("public_throttle")
    if throttle is None:
        throttle = state["public_throttle"] = Throttle()
    throttle.check(who or client_address(request, state.runtime.settings), kind)
