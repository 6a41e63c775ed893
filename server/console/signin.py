"""The console's open pages: signing in and out, and switching the language."""

import uuid
from datetime import timedelta

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import service as auth
from server.auth import tokens
from server.console.session import (
    DEVICE,
    LANG,
    LOGIN,
    SESSION,
    SESSION_HOURS,
    csrf_for,
    language,
    page,
    read_form,
)
from server.db.types import utcnow
from server.errors import ProblemError
from server.runtime import Runtime

YEAR = 3600 * 24 * 365


class SignIn(Controller):
    """Pages anyone may open."""

    path = "/console"
    include_in_schema = False

    @get("/login")
    async def login_page(self, request: Request, runtime: NamedDependency[Runtime]) -> Template:
        response = page(request, runtime, "login.html", None, failed=False)
        if not request.cookies.get(DEVICE):
            # The browser's device id is made here so that the login form's CSRF token binds
            # to it.
            device = str(uuid.uuid4())
            response.set_cookie(DEVICE, device, httponly=True, samesite="lax", max_age=YEAR)
            # (request.cookies is not written to: Litestar may share the parsed dict.)
            response.context["csrf"] = csrf_for(runtime, device)
        return response

    @post("/login", status_code=303)
    async def login(
        self,
        request: Request,
        db_session: NamedDependency[AsyncSession],
        runtime: NamedDependency[Runtime],
    ) -> Response:
        form = await read_form(request, runtime)
        device = request.cookies.get(DEVICE) or str(uuid.uuid4())
        client = request.client.host if request.client else "unknown"
        try:
            issued = await auth.login(
                db_session,
                runtime,
                form.get("username", ""),
                form.get("password", ""),
                uuid.UUID(device),
                "web console",
                client,
            )
        except ProblemError as exc:
            failed = page(request, runtime, "login.html", None, failed=True, error=exc.detail)
            failed.status_code = exc.status
            return failed
        if issued is None:
            failed = page(request, runtime, "login.html", None, failed=True)
            failed.status_code = 401
            return failed
        session = tokens.issue_access(
            runtime.token_key,
            uuid.UUID(issued["user"]["id"]),
            uuid.UUID(device),
            utcnow() + timedelta(hours=SESSION_HOURS),
        )
        response = Redirect(path="/console/", status_code=303)
        response.set_cookie(
            SESSION, session, httponly=True, samesite="lax", max_age=SESSION_HOURS * 3600
        )
        response.set_cookie(DEVICE, device, httponly=True, samesite="lax", max_age=YEAR)
        return response

    @post("/logout", status_code=303)
    async def logout(self, request: Request, runtime: NamedDependency[Runtime]) -> Response:
        await read_form(request, runtime)
        response = Redirect(path=LOGIN, status_code=303)
        response.delete_cookie(SESSION)
        return response

    @get("/language")
    async def switch_language(self, request: Request) -> Response:
        target = request.query_params.get("next", "/console/")
        response = Redirect(path=target if target.startswith("/console") else "/console/")
        response.set_cookie(
            LANG, "en" if language(request) == "zh" else "zh", samesite="lax", max_age=YEAR
        )
        return response
