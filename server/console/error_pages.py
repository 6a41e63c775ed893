"""Errors as console pages: a refused form or a bad address answers with a page in the
person's language, the reason in words and the way back; never JSON, never a 500."""

from urllib.parse import urlsplit

from litestar import Request
from litestar.exceptions import HTTPException
from litestar.response import Template

from server.console.forms import InvalidForm
from server.console.session import language, page
from server.console.strings import translator
from server.console.urls import PREFIX, is_console_path, url
from server.errors import ProblemError, Refusal, code_for_status
from shared import words

# The words for a kind of answer whose code has none of its own (a stale tab's 409 …).
_BY_STATUS = {403: "e_forbidden", 404: "e_not_found", 409: "e_conflict"}


def to_error_page(request: Request, exc: Exception) -> Template:
    """A refused form or a bad address: the 4xx as a page in the person's language, the way
    back, and nothing changed (the transaction was rolled back before this renders)."""
    if isinstance(exc, Refusal | ProblemError):
        status, code = exc.status, exc.code
    elif isinstance(exc, HTTPException):
        status, code = exc.status_code, code_for_status(exc.status_code)
    else:
        raise exc
    tr = translator(language(request))
    known = words.has(f"console.e_{code}")
    error = tr(f"e_{code}" if known else _BY_STATUS.get(status, "e_other"))
    # A refused form value: which field, and what is wrong with it.
    inside = request.state.get("form_page") if request.method == "POST" else None
    labels = request.state.get("form_labels") if inside is not None else None
    detail = exc.words(tr, labels) if isinstance(exc, InvalidForm) else None
    if inside is not None:
        # Inside the form: what was typed kept, the field marked, the error beside it.
        template, field, context = inside
        if isinstance(exc, InvalidForm) and exc.field:
            field = exc.field
        shown = page(
            request,
            request.app.state.runtime,
            template,
            None,
            **context,
            form=request.state.get("typed", {}),
            field=field,
            field_error=detail or error,
            error=error,
        )
        shown.status_code = status
        return shown
    shown = page(
        request,
        request.app.state.runtime,
        "error.html",
        None,
        error=error,
        detail=detail,
        back=way_back(request),
    )
    shown.status_code = status
    return shown


def way_back(request: Request) -> str:
    """The console page the person came from (the Referer, when it is one of ours), so that
    an error page leads back to the form; from a request's form, the request's page; the
    queue otherwise."""
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = not referer.netloc or referer.netloc == request.headers.get("host", "")
    ours = referer.path.startswith(PREFIX + "/")
    if same_site and ours and referer.path != request.url.path:
        return referer.path + (f"?{referer.query}" if referer.query else "")
    handler = request.scope.get("route_handler")
    if request.method == "POST" and getattr(handler, "name", None) == "console.request_step":
        return url(request, "console.request_page", request_id=request.path_params["request_id"])
    return url(request, "console.queue")


# Every console route answers errors as pages: a form is not an API call.
ERROR_PAGES = {Refusal: to_error_page, ProblemError: to_error_page, HTTPException: to_error_page}


def pages_under_console(handlers: dict) -> dict:
    """The app's error handlers, except that an error on a console address no route matched
    (a mistyped or stale link: 404, 405) is a page in the person's language, not JSON."""

    def either(fallback):
        def handle(request: Request, exc: Exception):
            if is_console_path(request.url.path) and isinstance(exc, HTTPException):
                return to_error_page(request, exc)
            return fallback(request, exc)

        return handle

    # Every HTTP error class the app answers (a query parameter's ValidationException too).
    return {
        **handlers,
        **{
            kind: either(handler)
            for kind, handler in handlers.items()
            if isinstance(kind, type) and issubclass(kind, HTTPException)
        },
    }
