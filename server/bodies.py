"""Every JSON body is UTF-8 text nested at most MAX_DEPTH deep, checked before any parser runs.

A decoder recursing 100,000 levels, or meeting bytes that are not UTF-8, fails with an error no
handler expects (a 500); a body that breaks either rule is a 400 here instead, whatever the
route. The check costs a regular expression and a C-level scan, about a millisecond a MiB.
"""

import re
from itertools import accumulate
from typing import Any

from litestar import Request

from server.errors import ProblemError

MAX_DEPTH = 64
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_ALL_BUT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_TOO_DEEP = b"[" * (MAX_DEPTH + 1)
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
    if _TOO_DEEP in skeleton.replace(b"{", b"["):
        return MAX_DEPTH + 1  # the usual attack, found without counting
    return max(accumulate(map(_STEP.__getitem__, skeleton)), default=0)


def check_json_text(body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemError(400, "invalid_request", "The body is not UTF-8 text.") from exc
    if nesting_depth(body) > MAX_DEPTH:
        raise ProblemError(
            400, "invalid_request", f"The body nests deeper than {MAX_DEPTH} levels."
        )


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


class CheckedRequest(Request[Any, Any, Any]):
    """The app's request class: its body, when JSON, has passed `check_json_text`."""

    async def body(self) -> bytes:
        body = await super().body()
        if body and _is_json(self.headers.get("content-type", "")):
            if not self.scope.get("state", {}).get("doorstep_body_checked"):
                check_json_text(body)
                self.scope.setdefault("state", {})["doorstep_body_checked"] = True
        return body
