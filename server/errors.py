"""RFC 9457 problem details with a snake_case `code`, for every error the API returns."""

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

log = logging.getLogger("doorstep")

PROBLEM_JSON = "application/problem+json"

_CODE_BY_STATUS = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "cursor_expired",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    426: "unsupported_protocol",
    429: "rate_limited",
    503: "server_busy",
}

_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid request",
    426: "Please update the app",
    429: "Too many requests",
    500: "Internal error",
    503: "Busy",
}


class ProblemError(Exception):
    """An error that becomes a problem+json response; raise it from services and handlers."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra


def not_found(what: str) -> ProblemError:
    return ProblemError(404, "not_found", f"{what} not found")


def forbidden(detail: str) -> ProblemError:
    return ProblemError(403, "forbidden", detail)


def problem_body(status: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The RFC 9457 problem document every error answers with (also for ASGI middleware that
    answers before any handler runs)."""
    return {
        "type": f"https://doorstep.example/problems/{code}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }


def problem_response(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    headers = dict(headers or {})
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    body = problem_body(status, code, detail, **extra)
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _on_problem(_: Request, exc: ProblemError) -> Response:
    return problem_response(exc.status, exc.code, exc.detail, **exc.extra)


def _on_validation(_: Request, exc: ValidationException) -> Response:
    errors = exc.extra if isinstance(exc.extra, list) else None
    extra = {"errors": errors} if errors else {}
    return problem_response(400, "invalid_request", str(exc.detail), **extra)


def code_for_status(status: int) -> str:
    """The problem code of an error the framework raised with only a status."""
    return _CODE_BY_STATUS.get(status, "error")


def _on_http(_: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    code = code_for_status(status)
    # Keeps what the framework says with the error, such as `Allow` on a 405.
    return problem_response(status, code, str(exc.detail), headers=exc.headers)


def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(500, "internal_error", "Something went wrong on the server.")


EXCEPTION_HANDLERS = {
    ProblemError: _on_problem,
    ValidationException: _on_validation,
    HTTPException: _on_http,
    Exception: _on_unexpected,
}

__all__ = [
    "EXCEPTION_HANDLERS",
    "PROBLEM_JSON",
    "ProblemError",
    "code_for_status",
    "problem_body",
    "problem_response",
]


class Refusal(Exception):
    """A domain rule said no: a permission, scope or state rule, with words for a person.

    Push answers it as a `rejected` mutation; the HTTP API as a problem with `status`.
    """

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _on_refusal(_: Request, exc: Refusal) -> Response:
    return problem_response(exc.status, exc.code, exc.message)


EXCEPTION_HANDLERS[Refusal] = _on_refusal
