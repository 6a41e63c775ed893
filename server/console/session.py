"""The console's session: a device-bound access token in an HttpOnly cookie, the CSRF token
every form carries, the signed-in person as a dependency, and rendering a page.

A console session lasts 8 hours; revoking the browser's device ends it. The CSRF token is an
HMAC of the session cookie under the server's key, checked on every POST (`forms.py`).
"""

import base64
import hashlib
import hmac
import json
from datetime import datetime
from functools import partial
from types import SimpleNamespace
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from server.auth import service as auth
from server.auth import tokens
from server.auth.service import Principal
from server.clock import utcnow
from server.console.strings import translator
from server.console.urls import PREFIX, url
from server.deps import Runtime_, Session
from server.errors import ProblemError
from server.runtime import Runtime
from shared import words
from shared.console_links import console_links
from shared.localtime import format_local
from shared.visits import title_words

SESSION, DEVICE, LANG = "doorstep_session", "doorstep_device", "doorstep_lang"
FLASH = "doorstep_done"  # what the last form did, shown once on the page it led to
SESSION_HOURS = 8


class LoginRequired(Exception):
    """No valid console session: the page answers with the way to the login form."""


def to_login(request: Request, _: LoginRequired) -> Redirect:
    return Redirect(path=url(request, "console.login_page"))


async def provide_viewer(request: Request, db_session: Session, runtime: Runtime_) -> Principal:
    """The person signed in to the console, from the session cookie, checked like a bearer
    token (device not revoked, token not expired); `LoginRequired` otherwise."""
    token = request.cookies.get(SESSION)
    if not token:
        raise LoginRequired
    try:
        viewer = await auth.authenticate(
            db_session, runtime, f"Bearer {token}", utcnow(), kind=tokens.CONSOLE
        )
    except ProblemError:
        raise LoginRequired from None
    # What the menu needs, kept as plain values: an error page (rendered after the rollback)
    # keeps the menu of the person who met it.
    request.state.viewer_seen = SimpleNamespace(
        actor=viewer.actor, user=viewer.user, unit=SimpleNamespace(name=viewer.unit.name)
    )
    return viewer


def flash_cookie(key: str, **values: str) -> Cookie:
    """The confirmation a form's redirect carries ("已转派至和平街道"): a words key `done_…`
    and its values, shown once by the next page."""
    packed = base64.urlsafe_b64encode(json.dumps([key, values]).encode()).decode()
    return Cookie(key=FLASH, value=packed, max_age=120, path=PREFIX, httponly=True, samesite="lax")


def read_flash(request: Request, lang: str) -> str | None:
    """The confirmation in words, if a form just led here (anything else in the cookie: none)."""
    packed = request.cookies.get(FLASH, "")
    if not packed:
        return None
    try:
        key, values = json.loads(base64.urlsafe_b64decode(packed.encode()))
        if not (isinstance(key, str) and key.startswith("done_") and isinstance(values, dict)):
            return None
        if not words.has(f"console.{key}"):
            return None
        return translator(lang)(key, **{str(k): str(v)[:200] for k, v in values.items()})
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None


def language(request: Request) -> str:
    return "en" if request.cookies.get(LANG) == "en" else "zh"


def csrf_for(runtime: Runtime, cookie: str) -> str:
    """The CSRF token bound to a session (or, before signing in, a device) cookie."""
    return hmac.new(runtime.token_key, f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()


def csrf_token(runtime: Runtime, request: Request) -> str:
    return csrf_for(runtime, request.cookies.get(SESSION, "") or request.cookies.get(DEVICE, ""))


def clock(lang: str, zone_name: str):
    """`when(moment, year=None)`: the one way a console page shows a time, in the configured
    zone (`DOORSTEP_TIMEZONE`) and the person's language, the year where it matters."""

    def when(moment: datetime | None, year: bool | None = None) -> str:
        return format_local(moment, lang, zone_name, year=year) or "—"

    return when


def _here(nav: list[tuple[str, str]], path: str) -> str | None:
    """The menu entry the page belongs to (its words make the page's h1): the longest link
    the address starts with."""
    found = [
        (len(link), key)
        for key, link in nav
        if path.rstrip("/") == link.rstrip("/")
        or (path.startswith(link.rstrip("/") + "/") and link != PREFIX + "/")
    ]
    return max(found)[1] if found else None


def page(
    request: Request, runtime: Runtime, name: str, viewer: Principal | None, **context: Any
) -> Template:
    """A console page in the viewer's language, with the links the viewer's role may use and
    `url_for(route name, **path parameters)` for every address it shows."""
    lang = language(request)
    viewer = viewer or request.state.get("viewer_seen")
    flash = read_flash(request, lang)
    nav = (
        [(key, url(request, route)) for key, route in console_links(viewer.actor)] if viewer else []
    )
    return Template(
        template_name=name,
        cookies=[Cookie(key=FLASH, value="", max_age=0, path=PREFIX)] if flash else [],
        context={
            "flash": flash,
            "tr": translator(lang),
            "when": clock(lang, runtime.settings.timezone),
            "visit_title": partial(title_words, language=lang),
            "url_for": partial(url, request),
            "lang": lang,
            "request": request,
            "user": viewer.user if viewer else None,
            "unit": viewer.unit if viewer else None,
            "nav": nav,
            "here_key": _here(nav, request.url.path),
            "csrf": csrf_token(runtime, request),
            **context,
        },
    )
