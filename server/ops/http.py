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
            seconds = time.perf_counter() - started
            # The route's template, never the path: paths carry resident tracking tokens.
            route = scope.get("path_template") or "<unmatched>"
            metrics.observe_request(scope["method"], route, status, seconds)
            log.info(
                "request",
                extra={
                    "fields": {
                        "method": scope["method"],
                        "path": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                    }
                },
            )
            request_id.reset(token)

    return middleware
