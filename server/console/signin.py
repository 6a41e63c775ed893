"""The console's open pages: signing in and out, and switching the language."""

import uuid
from datetime import timedelta

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from server.auth import service as auth
from server.auth import tokens
from server.auth.clients import client_address
from server.clock import utcnow
from server.console.forms import read_form
from server.console.session import (
    DEVICE,
    LANG,
    SESSION,
    SESSION_HOURS,
    LoginRequired,
    csrf_for,
    language,
    page,
    provide_viewer,
)
from server.console.urls import is_console_path, url
from server.deps import Runtime_, Session
from server.errors import ProblemError
from server.runtime import Runtime
from shared.console_links import first_page

YEAR = 3600 * 24 * 365


def _device(request: Request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.cookies.get(DEVICE, ""))
    except ValueError:
        return None


def _set(response: Response, runtime: Runtime, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        max_age=max_age,
        secure=runtime.settings.secure_cookies,
    )


class SignIn(Controller):
    """Pages anyone may open (they ask for no `viewer`)."""

    @get("/login", name="console.login_page")
    async def login_page(self, request: Request, runtime: Runtime_) -> Template:
        response = page(request, runtime, "login.html", None, failed=False)
        if _device(request) is None:
            # The browser's device id is made here so that the login form's CSRF token binds
            # to it (a missing or malformed cookie is replaced).
            device = str(uuid.uuid4())
            _set(response, runtime, DEVICE, device, YEAR)
            # (request.cookies is not written to: Litestar may share the parsed dict.)
            response.context["csrf"] = csrf_for(runtime, device)
        return response

    @post("/login", name="console.login", status_code=303)
    async def login(
        self,
        request: Request,
        db_session: Session,
        runtime: Runtime_,
    ) -> Response:
        form = await read_form(request, runtime)
        device = _device(request) or uuid.uuid4()
        client = client_address(request, runtime.settings)

        async def sign_in(device: uuid.UUID) -> dict | None:
            return await auth.login(
                db_session,
                runtime,
                form.get("username", ""),
                form.get("password", ""),
                device,
                "web console",
                client,
            )

        try:
            try:
                issued = await sign_in(device)
            except ProblemError as exc:
                if exc.status != 403:
                    raise
                # One browser is one device, but a shared office PC outlives its sessions: when
                # the browser's device was revoked or is another account's (its session ended
                # without a sign-out), the right password simply starts a new device.
                device = uuid.uuid4()
                issued = await sign_in(device)
        except ProblemError as exc:
            failed = page(request, runtime, "login.html", None, failed=True, error=exc.detail)
            failed.status_code = exc.status
            return failed
        if issued is None:
            failed = page(request, runtime, "login.html", None, failed=True)
            failed.status_code = 401
            return failed
        # The cookie is a console token: the API refuses it as a bearer token.
        session = tokens.issue_access(
            runtime.token_key,
            uuid.UUID(issued["user"]["id"]),
            device,
            utcnow() + timedelta(hours=SESSION_HOURS),
            kind=tokens.CONSOLE,
        )
        # The first page is the person's own work (`first_page`), read as the session reads it.
        viewer = await auth.authenticate(
            db_session, runtime, f"Bearer {session}", utcnow(), kind=tokens.CONSOLE
        )
        landing = first_page(viewer.actor, viewer.unit.level)
        response = Redirect(path=url(request, landing), status_code=303)
        _set(response, runtime, SESSION, session, SESSION_HOURS * 3600)
        _set(response, runtime, DEVICE, str(device), YEAR)
        return response

    @post("/logout", name="console.logout", status_code=303)
    async def logout(
        self,
        request: Request,
        db_session: Session,
        runtime: Runtime_,
    ) -> Response:
        """Ends the browser's session on the server (its cookie stops working even if kept)
        (the browser keeps its device for the next sign-in)."""
        await read_form(request, runtime)
        try:
            signed_in = await provide_viewer(request, db_session, runtime)
        except LoginRequired:
            signed_in = None  # nothing to end: only the cookies are cleared
        if signed_in is not None:
            await auth.end_sessions_of(db_session, signed_in.actor.device_id, utcnow())
        response = Redirect(path=url(request, "console.login_page"), status_code=303)
        response.delete_cookie(SESSION)
        # The browser keeps its device (one browser, one console device): its sessions have
        # ended, and the next sign-in on it reuses it. Someone else signing in on the same
        # browser is given a device of their own (the device is the account's).
        return response

    @get("/language", name="console.language")
    async def switch_language(self, request: Request) -> Response:
        target = request.query_params.get("next", "")
        response = Redirect(
            path=target if is_console_path(target) else url(request, "console.queue")
        )
        response.set_cookie(
            LANG, "en" if language(request) == "zh" else "zh", samesite="lax", max_age=YEAR
        )
        return response
