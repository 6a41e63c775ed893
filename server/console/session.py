"""The console's session: a device-bound access token in an HttpOnly cookie, the CSRF token
every form carries, the signed-in person as a dependency, and rendering a page.

A console session lasts 8 hours; revoking the browser's device ends it. The CSRF token is an
HMAC of the session cookie under the server's key, checked on every POST.
"""

import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import service as auth
from server.auth import tokens
from server.auth.service import Principal
from server.console.strings import STRINGS, translator
from server.db.types import utcnow
from server.errors import ProblemError, Refusal, code_for_status
from server.runtime import Runtime
from shared.console_links import console_links
from shared.localtime import format_local

SESSION, DEVICE, LANG = "doorstep_session", "doorstep_device", "doorstep_lang"
SESSION_HOURS = 8
LOGIN = "/console/login"


class LoginRequired(Exception):
    """No valid console session: the page answers with the way to the login form."""


def to_login(_: Request, __: LoginRequired) -> Redirect:
    return Redirect(path=LOGIN)


async def provide_viewer(
    request: Request, db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> Principal:
    """The person signed in to the console, from the session cookie, checked like a bearer
    token (device not revoked, token not expired); `LoginRequired` otherwise."""
    token = request.cookies.get(SESSION)
    if not token:
        raise LoginRequired
    try:
        return await auth.authenticate(
            db_session, runtime, f"Bearer {token}", utcnow(), kind=tokens.CONSOLE
        )
    except ProblemError:
        raise LoginRequired from None


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
    # The code's own words; else the words for its kind of answer (a stale tab's 409 …).
    by_status = {403: "e_forbidden", 404: "e_not_found", 409: "e_conflict"}
    key = f"e_{code}" if f"e_{code}" in STRINGS else by_status.get(status, "e_other")
    return Template(
        template_name="error.html",
        status_code=status,
        context={
            "tr": tr,
            "lang": language(request),
            "request": request,
            "user": None,
            "nav": [],
            "csrf": "",
            "error": tr(key),
            "back": way_back(request),
        },
    )


def way_back(request: Request) -> str:
    """The console page the person came from (the Referer, when it is one of ours), so that
    an error page leads back to the form; the queue otherwise."""
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = not referer.netloc or referer.netloc == request.headers.get("host", "")
    if same_site and referer.path.startswith("/console/") and referer.path != request.url.path:
        return referer.path + (f"?{referer.query}" if referer.query else "")
    if request.method == "POST" and request.url.path.startswith("/console/requests/"):
        return request.url.path.rsplit("/", 1)[0]  # the request's page, from its form
    return "/console/"


# Every console controller answers errors as pages: a form is not an API call.
ERROR_PAGES = {Refusal: to_error_page, ProblemError: to_error_page, HTTPException: to_error_page}


def language(request: Request) -> str:
    return "en" if request.cookies.get(LANG) == "en" else "zh"


def csrf_for(runtime: Runtime, cookie: str) -> str:
    """The CSRF token bound to a session (or, before signing in, a device) cookie."""
    return hmac.new(runtime.token_key, f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()


def csrf_token(runtime: Runtime, request: Request) -> str:
    return csrf_for(runtime, request.cookies.get(SESSION, "") or request.cookies.get(DEVICE, ""))


async def read_form(request: Request, runtime: Runtime) -> dict[str, str]:
    """The posted form, after its CSRF token checks out (403 `csrf_failed` otherwise)."""
    form = dict(await request.form())
    if not hmac.compare_digest(str(form.get("_csrf_token", "")), csrf_token(runtime, request)):
        raise ProblemError(403, "csrf_failed", "The form has expired. Reload the page.")
    return {key: str(value) for key, value in form.items()}


def clock(lang: str, zone_name: str):
    """`when(moment, year=None)`: the one way a console page shows a time, in the configured
    zone (`DOORSTEP_TIMEZONE`) and the person's language, the year where it matters."""

    def when(moment: datetime | None, year: bool | None = None) -> str:
        return format_local(moment, lang, zone_name, year=year) or "—"

    return when


def page(
    request: Request, runtime: Runtime, name: str, viewer: Principal | None, **context: Any
) -> Template:
    """A console page in the viewer's language, with the links the viewer's role may use."""
    lang = language(request)
    return Template(
        template_name=name,
        context={
            "tr": translator(lang),
            "when": clock(lang, runtime.settings.timezone),
            "lang": lang,
            "request": request,
            "user": viewer.user if viewer else None,
            "unit": viewer.unit if viewer else None,
            "nav": console_links(viewer.actor) if viewer else [],
            "csrf": csrf_token(runtime, request),
            **context,
        },
    )


def pages_under_console(handlers: dict) -> dict:
    """The app's error handlers, except that an error on a /console address no route matched
    (a mistyped or stale link: 404, 405) is a page in the person's language, not JSON."""

    def either(fallback):
        def handle(request: Request, exc: Exception):
            if request.url.path.startswith("/console") and isinstance(exc, HTTPException):
                return to_error_page(request, exc)
            return fallback(request, exc)

        return handle

    return {**handlers, HTTPException: either(handlers[HTTPException])}
