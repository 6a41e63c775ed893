"""Overload that fails fast: at most so many syncs (push, pull) in progress in this process.

A sync beyond the limit waits a short, bounded time for a place; if none frees up it is turned
away with 503 `server_busy` and `Retry-After`, and the phone comes back later (with jitter).
Past saturation a queue only makes every sync slower; a quick "come back in a second" keeps
the syncs that are served fast and tells the phone the truth: the server is busy, not gone.
"""

import asyncio
from dataclasses import dataclass

from litestar import Request
from litestar.types import ASGIApp, Receive, Scope, Send

from server.errors import ProblemError, problem_response

# When the settings name no limit: what the database can serve at once. PostgreSQL: the
# engine's pool (20 connections, server/db/engine.py), so an admitted sync never waits for a
# connection; SQLite: writers go one at a time, each holding the write lock across its every
# statement's turn of the event loop, so the fewer syncs share the loop the sooner a push
# lets go. Measured (bench.load, 300 phones, 16 in flight, docs/benchmarks.md): p99 424–466 ms
# at 16, 274 at 8, 255 at 6, 220 at 4, with more syncs served a second and none turned away.
DEFAULT_IN_FLIGHT = {"postgresql": 20, "sqlite": 4}


@dataclass
class SyncGate:
    """The places for syncs in one process; `turned_away` counts the syncs refused."""

    limit: int
    wait_s: float  # the longest a sync waits for a place before it is turned away
    retry_after_s: int  # what the 503 tells the phone to wait (whole seconds, as HTTP says)
    turned_away: int = 0
    in_flight: int = 0

    def __post_init__(self) -> None:
        self._places = asyncio.Semaphore(self.limit)
        # Syncs waiting beyond this many per place are turned away at once: they could not
        # all get in within the wait anyway.
        self._max_waiting = 4 * self.limit
        self._waiting = 0

    async def enter(self) -> None:
        if not self._places.locked():
            await self._places.acquire()  # free: no wait, no timer
            self.in_flight += 1
            return
        if self._waiting >= self._max_waiting or self.wait_s <= 0:
            self._refuse()
        self._waiting += 1
        try:
            await asyncio.wait_for(self._places.acquire(), self.wait_s)
        except TimeoutError:
            self._refuse()
        finally:
            self._waiting -= 1
        self.in_flight += 1

    def leave(self) -> None:
        self.in_flight -= 1
        self._places.release()

    def _refuse(self) -> None:
        self.turned_away += 1
        raise ProblemError(
            503,
            "server_busy",
            "The server is busy. The phone will try again shortly.",
            retry_after=self.retry_after_s,
        )


def gate_for(settings) -> SyncGate:
    limit = settings.sync_in_flight or DEFAULT_IN_FLIGHT[settings.dialect]
    return SyncGate(limit, settings.sync_wait_s, settings.sync_retry_after_s)


def sync_gate(app: ASGIApp) -> ASGIApp:
    """Route middleware of push and pull: holds a place for the whole request (its
    transaction included), or answers 503 before any of it starts."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        gate: SyncGate = scope["app"].state.runtime.sync_gate
        try:
            await gate.enter()
        except ProblemError as busy:
            # Answered here, through the `send` the outer middleware gave (request id, logs,
            # metrics see the 503): raised, it would pass them by to the app's last handler.
            response = problem_response(busy.status, busy.code, busy.detail, **busy.extra)
            answer = response.to_asgi_response(app=None, request=Request(scope))
            await answer(scope, receive, send)
            return
        try:
            await app(scope, receive, send)
        finally:
            gate.leave()

    return middleware
