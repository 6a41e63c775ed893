"""Compression on the wire (contract v3, "Sync on real phones and networks").

Answers: a JSON answer (a pull page above all: ~6× smaller), an HTML page or other text is
gzip-encoded when the request's `Accept-Encoding` allows gzip and the body is at least
`MIN_SIZE` bytes; a streamed answer is compressed chunk by chunk, each flushed at once. Never
compressed: tiny bodies, `text/event-stream` (each event must reach the phone when it is sent),
pictures and other binary answers, anything already encoded.

Requests: a body sent with `Content-Encoding: gzip` is inflated before any handler reads it;
the size limits apply to the inflated body, and inflating stops one byte past the limit (a
"gzip bomb" costs at most that much memory): 413 `payload_too_large`. Bytes that are not gzip
are a 400; another encoding is a 415.
"""

import re
import zlib

import msgspec
from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import PROBLEM_JSON, problem_body
from shared import protocol

MIN_SIZE = 512  # bytes: below this gzip's own header and trailer eat what it saves
LEVEL = 6  # zlib's default: most of the gain for a fraction of level 9's time
# The largest body any route takes (the app's request_max_body_size); the push's own 1 MiB
# limit is then checked on the inflated body by the push itself.
MAX_INFLATED = 2 * protocol.MAX_PUSH_BYTES
_COMPRESSIBLE = re.compile(r"^(text/(?!event-stream)|application/([\w.+-]*\+)?(json|xml)|"
                           r"application/(javascript|x-ndjson)|image/svg\+xml)", re.I)  # fmt: skip
_NO_BODY = {204, 304}


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding value allows gzip (`gzip` or `*` with a q above 0)."""
    allowed, star = None, False
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        q = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                q = float(match[1])
            except ValueError:
                q = 0.0
        name = name.strip().lower()
        if name in ("gzip", "x-gzip"):
            allowed = q > 0
        elif name == "*":
            star = q > 0
    return allowed if allowed is not None else star


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


async def _problem(send: Send, status: int, code: str, detail: str) -> None:
    body = msgspec.json.encode(problem_body(status, code, detail))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _inflated(receive: Receive, limit: int) -> bytes | str:
    """The request's body inflated, or why not: "too_large", "not_gzip"."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out, size, read = [], 0, 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return "not_gzip"
        chunk, more = message.get("body", b""), message.get("more_body", False)
        read += len(chunk)
        if read > limit:  # compressed bytes count too: no reading without end
            return "too_large"
        try:
            while chunk:
                piece = inflater.decompress(chunk, limit + 1 - size)
                out.append(piece)
                size += len(piece)
                if size > limit:
                    return "too_large"
                chunk = inflater.unconsumed_tail
                if inflater.eof and (inflater.unused_data or chunk):
                    return "not_gzip"  # bytes after the gzip member
        except zlib.error:
            return "not_gzip"
    if not inflater.eof:
        return "not_gzip"  # cut short
    return b"".join(out)


def _with_body(scope: Scope, body: bytes) -> tuple[Scope, Receive]:
    headers = [
        (key, value)
        for key, value in scope.get("headers", ())
        if key.lower() not in (b"content-encoding", b"content-length")
    ]
    headers.append((b"content-length", str(len(body)).encode()))
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return {**scope, "headers": headers}, receive


def compression(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: gzip answers as the request allows; inflate gzip requests."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        encoding = _header(scope, b"content-encoding").strip().lower()
        if encoding and encoding != "identity":
            if encoding not in ("gzip", "x-gzip"):
                await _problem(
                    send, 415, "unsupported_media_type", "A body may be sent gzip-encoded only."
                )
                return
            body = await _inflated(receive, MAX_INFLATED)
            if body == "too_large":
                await _problem(
                    send, 413, "payload_too_large", "The body is too large once inflated."
                )
                return
            if isinstance(body, str):
                await _problem(send, 400, "invalid_request", "The body is not valid gzip.")
                return
            scope, receive = _with_body(scope, body)
        if scope.get("method") == "HEAD" or not accepts_gzip(_header(scope, b"accept-encoding")):
            await app(scope, receive, send)
            return
        await app(scope, receive, _compressing(send))

    return middleware


def _compressing(send: Send) -> Send:
    start: Message | None = None
    deflater = None  # set once the answer is being compressed as a stream

    async def send_compressed(message: Message) -> None:
        nonlocal start, deflater
        if message["type"] == "http.response.start":
            start = message
            return
        # The rest of a compressed stream (checked first: `start` is gone after the first
        # piece, and a piece sent past the deflater would break the gzip stream).
        if deflater is not None and message["type"] == "http.response.body":
            more = message.get("more_body", False)
            data = deflater.compress(message.get("body", b""))
            data += deflater.flush(zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH)
            await send({**message, "body": data})
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        first, start = start, None
        headers = MutableScopeHeaders.from_message(first)
        body, more = message.get("body", b""), message.get("more_body", False)
        wanted = (
            first["status"] not in _NO_BODY
            and _COMPRESSIBLE.match(headers.get("content-type", ""))
            and not headers.get("content-encoding")
        )
        if wanted:
            headers.extend_header_value("vary", "Accept-Encoding")
        if not wanted or (not more and len(body) < MIN_SIZE):
            await send(first)
            await send(message)
            if more:
                start = None  # the rest passes as it is
            return
        compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        headers["content-encoding"] = "gzip"
        if more:
            deflater = compressor
            del headers["content-length"]
            data = compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH)
        else:
            data = compressor.compress(body) + compressor.flush()
            headers["content-length"] = str(len(data))
        await send(first)
        await send({**message, "body": data})

    return send_compressed
