"""Every JSON body is UTF-8 text nested at most MAX_DEPTH deep, checked before any parser runs;
no JSON body, form body or query string carries a NUL character; a JSON body is of its
handler's struct as msgspec strictly reads it.

A decoder recursing 100,000 levels, or meeting bytes that are not UTF-8, fails with an error no
handler expects (a 500); a body that breaks either rule is a 400 here instead, whatever the
route. The check costs a regular expression and a C-level scan, about 10 ms a MiB.
PostgreSQL refuses NUL in text (SQLite keeps it, and a phone would get it back): a NUL, raw or
escaped (`\u0000` in JSON, `%00` in a form or query), is a 400 before anything reads it.
"""

import re
from itertools import accumulate
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException

from server.errors import ProblemError

MAX_DEPTH = 64
# A string's runs of plain characters are taken whole, not one character a step (2.7× faster).
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_ALL_BUT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_TOO_DEEP = b"[" * (MAX_DEPTH + 1)
_SQUARE = bytes.maketrans(b"{}", b"[]")
# `\u0000` after an even number of backslashes (an odd one escapes the backslash itself).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_NUL_REFUSED = "The request carries a NUL character, which no text here may hold."
_STEP = [0] * 256
for _open in b"[{":
    _STEP[_open] = 1
for _close in b"]}":
    _STEP[_close] = -1


def nesting_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (strings' contents ignored)."""
    skeleton = _STRINGS.sub(b"", body).translate(None, _ALL_BUT_BRACKETS)
    if len(skeleton) <= MAX_DEPTH:
        return len(skeleton)
    square = skeleton.translate(_SQUARE)
    if _TOO_DEEP in square:
        return MAX_DEPTH + 1  # the usual attack, found without counting
    # Each pass takes out every innermost pair at once (C speed): as many passes as levels.
    depth, rest = 0, square
    while rest and depth <= MAX_DEPTH:
        shorter = rest.replace(b"[]", b"")
        if len(shorter) == len(rest):  # unbalanced: no parser takes it; count it the long way
            return max(accumulate(map(_STEP.__getitem__, skeleton)), default=0)
        depth, rest = depth + 1, shorter
    return depth


def check_json_text(body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemError(400, "invalid_request", "The body is not UTF-8 text.") from exc
    if nesting_depth(body) > MAX_DEPTH:
        raise ProblemError(
            400, "invalid_request", f"The body nests deeper than {MAX_DEPTH} levels."
        )
    if b"\\u0000" in body and _JSON_NUL.search(body):
        raise ProblemError(400, "invalid_request", _NUL_REFUSED)


def check_urlencoded(text: bytes) -> None:
    """A form body or query string: no NUL, raw or percent-encoded."""
    if b"\x00" in text or b"%00" in text:
        raise ProblemError(400, "invalid_request", _NUL_REFUSED)


async def refuse_nul_in_query(request: Request) -> None:
    """The app's `before_request`: a query string with a NUL is refused before any handler (or
    the console's error page) reads it."""
    check_urlencoded(request.scope.get("query_string", b""))


def integral(value: Any) -> Any:
    """JSON Schema's one leniency: a number like 5.0 is an integer (recursively)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [integral(item) for item in value]
    return value


def _is_form(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded"


class CheckedRequest(Request[Any, Any, Any]):
    """The app's request class: its body, unless multipart, has passed `check_json_text`; a
    form's also `check_urlencoded`; a JSON body is exactly of its handler's struct."""

    async def json(self) -> Any:
        value = await super().json()
        data = self.route_handler.parsed_data_field
        struct = data.annotation if data else None
        if isinstance(struct, type) and issubclass(struct, msgspec.Struct):
            # Litestar converts a body leniently (0 for false, "1" for 1, a number for a
            # time): what the schema calls invalid would pass. msgspec's own rules decide,
            # with JSON Schema's one leniency: 5.0 is an integer.
            try:
                msgspec.convert(integral(value), struct, strict=True)
            except msgspec.ValidationError as exc:
                raise ValidationException(
                    f"Validation failed for {self.method} {self.url.path}",
                    extra=[{"message": str(exc), "source": "body"}],
                ) from None
        return value

    async def body(self) -> bytes:
        body = await super().body()
        if body and not self.scope.get("state", {}).get("doorstep_body_checked"):
            content_type = self.headers.get("content-type", "")
            if _is_form(content_type):
                check_urlencoded(body)
            if not content_type.lower().startswith("multipart/"):
                # Litestar decodes a handler's JSON body whatever the content type claims (a
                # form included); a real form passes this check too (it is ASCII, no escapes).
                check_json_text(body)
            self.scope.setdefault("state", {})["doorstep_body_checked"] = True
        return body
