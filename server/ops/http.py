"""Per request: an id (returned as X-Request-ID, on every log line), one log line, the metrics."""

import logging
import re
import time
import uuid

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.ops import metrics
from server.ops.logs import request_id

log = logging.getLogger("doorstep.http")

# An id from a proxy in front is kept when it is a plain token; anything else is replaced.
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_SEEN = "doorstep_request_id"


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _GOOD_ID.match(candidate) else None
    return None


def request_context(app: ASGIApp) -> ASGIApp:
    """ASGI middleware around every route handler."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        rid = _incoming_id(scope) or uuid.uuid4().hex
        scope[_SEEN] = rid
        token = request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)["x-request-id"] = rid
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            # The route's template, never the path: paths carry resident tracking tokens.
            _finish(scope["method"], scope.get("path_template"), status, started)
            request_id.reset(token)

    return middleware


def _finish(method: str, route: str | None, status: int, started: float) -> None:
    seconds = time.perf_counter() - started
    route = route or "<unmatched>"
    metrics.observe_request(method, route, status, seconds)
    fields = {
        "method": method,
        "path": route,
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
    }
    log.info("request", extra={"fields": fields})


async def answer_unrouted(message: Message, scope: Scope) -> None:
    """A before_send hook for what no route matched (404, 405): the router answers those
    before any route middleware runs, so they get their id and line here."""
    if message["type"] != "http.response.start" or _SEEN in scope:
        return
    rid = _incoming_id(scope) or uuid.uuid4().hex
    scope[_SEEN] = rid
    MutableScopeHeaders.from_message(message)["x-request-id"] = rid
    token = request_id.set(rid)
    try:
        _finish(scope.get("method", ""), None, message["status"], time.perf_counter())
    finally:
        request_id.reset(token)
