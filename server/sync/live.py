"""Live updates: `GET /api/v1/sync/live`, a Server-Sent Events stream per phone.

Whenever the caller's scope gains a change, an event whose `data:` is `{"cursor": …}` (a
cursor at or past the change), so the phone pulls now instead of at its next timed sync. The
stream subscribes to the feed keys of the caller's scope (the pull's own `scope.feed_keys`),
so it hears only of changes filed there. Comment lines keep an idle stream (and the proxies on
its way) alive. The token's standing is checked again every `live_recheck_s`: a revoked
device, a disabled account, an expired token or a changed scope ends the stream (the phone
opens another, with a fresh token, and its cursor then tells it to start over).

A stream holds no database connection while it waits: only its place in the process's hub.
"""

import asyncio
import logging
import random
from collections.abc import AsyncIterator

import msgspec
from litestar import Request, get
from litestar.response import Stream

from server.auth.service import authenticate
from server.clock import utcnow
from server.deps import Runtime_
from server.errors import ProblemError
from server.feed.notify import Listener
from server.org.service import all_units
from server.runtime import Runtime
from server.sync import cursor as cursors
from server.sync import scope

log = logging.getLogger("doorstep.live")

OPENED = b": live\n\n"
KEEP_ALIVE = b": keep-alive\n\n"
LISTEN_WAIT_S = 5.0  # a database that takes longer to LISTEN is not there: 503, come back


async def _scope_keys(runtime: Runtime, authorization: str | None) -> list[str]:
    """The feed keys of the token's caller; a problem (401, 403) if the token does not stand."""
    async with runtime.read_sessions() as session, session.begin():
        principal = await authenticate(session, runtime, authorization, utcnow())
        return scope.feed_keys(principal.actor, await all_units(session))


async def _still_stands(runtime: Runtime, authorization: str | None, keys: list[str]) -> bool:
    # A few at a time: thousands of streams rechecking must not take the pool from the syncs.
    async with runtime.live.rechecks:
        try:
            return await _scope_keys(runtime, authorization) == keys
        except ProblemError:
            return False
        except Exception:  # the database busy or away: the stream stays, asked again later
            log.warning("live updates: could not recheck a stream's token", exc_info=True)
            return True


def _next_recheck(loop: asyncio.AbstractEventLoop, every_s: float) -> float:
    # Spread: streams opened together (a server restart) do not all recheck together.
    return loop.time() + every_s * random.uniform(0.75, 1.25)


def _event(listener: Listener, scope_id: str) -> bytes:
    position = cursors.Position(listener.version, cursors.PAST_EVERY_ORD)
    data = msgspec.json.encode({"cursor": cursors.encode(position, scope_id)})
    return b"data: " + data + b"\n\n"


async def _events(
    runtime: Runtime, authorization: str | None, keys: list[str]
) -> AsyncIterator[bytes]:
    settings, loop = runtime.settings, asyncio.get_running_loop()
    scope_id = scope.fingerprint(keys)
    listener = runtime.live.listen(keys)
    try:
        # Listening from here: a change committed after the client reads this line is heard.
        yield OPENED
        recheck_at = _next_recheck(loop, settings.live_recheck_s)
        while True:
            wait = min(settings.live_keepalive_s, max(recheck_at - loop.time(), 0.0))
            try:
                async with asyncio.timeout(wait):  # no task per wait, as wait_for would make
                    await listener.woken.wait()
            except TimeoutError:
                pass
            if loop.time() >= recheck_at:
                if not await _still_stands(runtime, authorization, keys):
                    return
                recheck_at = _next_recheck(loop, settings.live_recheck_s)
            if listener.woken.is_set():
                listener.woken.clear()
                if runtime.pull_reader is not None:  # pulls read a replica: once it has it
                    await runtime.pull_reader.holds(listener.version)
                yield _event(listener, scope_id)
            else:
                yield KEEP_ALIVE
    finally:
        runtime.live.forget(listener)


@get(
    "/api/v1/sync/live",
    tags=["sync"],
    summary="Server-Sent Events: a cursor whenever the caller's scope gains a change",
    media_type="text/event-stream",
    response_description='Server-Sent Events: `data: {"cursor": str}` (a cursor at or past a '
    "change in the caller's scope, sent within a second of its commit); comment lines "
    "(`: keep-alive`) at least every 20 s. The stream is listening once its first line came.",
)
async def live(request: Request, runtime: Runtime_) -> Stream:
    authorization = request.headers.get("authorization")
    keys = await _scope_keys(runtime, authorization)
    try:
        # This process LISTENs (PostgreSQL) before any stream opens.
        await asyncio.wait_for(runtime.live.start(), LISTEN_WAIT_S)
    except TimeoutError as exc:
        raise ProblemError(
            503,
            "server_busy",
            "Live updates are not available yet; the phone syncs on its timer meanwhile.",
            retry_after=30,
        ) from exc
    return Stream(
        _events(runtime, authorization, keys),
        media_type="text/event-stream",
        # No proxy may hold the events back, nor cache them.
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


ROUTES = [live]
