"""The console's pages: server-rendered, little JavaScript, the same accounts and roles.

A console session is a device-bound access token in an HttpOnly cookie (8 hours; revoking the
browser's device ends it). Every form carries a CSRF token: an HMAC of the session cookie
under the server's key, checked on every POST.
"""

import hashlib
import hmac
import uuid
from datetime import timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import service as auth
from server.auth import tokens
from server.auth.service import Principal, users_in
from server.catalogue.tables import ServiceCategory
from server.console.strings import translator
from server.db.types import utcnow
from server.errors import ProblemError, Refusal
from server.export import csv_download
from server.org.service import subtree
from server.requests import service as hotline
from server.residents import service as residents
from server.runtime import Runtime
from shared import mutations as m
from shared.enums import OrgLevel, Role
from shared.requests import RequestStatus

SESSION, DEVICE, LANG = "doorstep_session", "doorstep_device", "doorstep_lang"
SESSION_HOURS = 8
Session = NamedDependency[AsyncSession]
Runtime_ = NamedDependency[Runtime]


def _csrf(runtime: Runtime, request: Request) -> str:
    session = request.cookies.get(SESSION, "") or request.cookies.get(DEVICE, "")
    return hmac.new(runtime.token_key, f"csrf:{session}".encode(), hashlib.sha256).hexdigest()


async def _form(request: Request, runtime: Runtime) -> dict[str, str]:
    form = dict(await request.form())
    if not hmac.compare_digest(str(form.get("_csrf_token", "")), _csrf(runtime, request)):
        raise ProblemError(403, "csrf_failed", "The form has expired. Reload the page.")
    return {k: str(v) for k, v in form.items()}


async def _who(request: Request, db_session: AsyncSession, runtime: Runtime) -> Principal | None:
    token = request.cookies.get(SESSION)
    if not token:
        return None
    try:
        return await auth.authenticate(db_session, runtime, f"Bearer {token}", utcnow())
    except ProblemError:
        return None


def _page(
    request: Request, runtime: Runtime, name: str, principal: Principal | None, **context: Any
) -> Template:
    lang = request.cookies.get(LANG, "zh")
    return Template(
        template_name=name,
        context={
            "tr": translator(lang),
            "lang": lang,
            "request": request,
            "user": principal.user if principal else None,
            "unit": principal.unit if principal else None,
            "csrf": _csrf(runtime, request),
            **context,
        },
    )


def _login_redirect() -> Redirect:
    return Redirect(path="/console/login")


@get("/console/login", include_in_schema=False)
async def login_page(request: Request, runtime: Runtime_) -> Template:
    response = _page(request, runtime, "login.html", None, failed=False)
    if not request.cookies.get(DEVICE):
        # The browser's device id is made here so that the login form's CSRF token binds to it.
        device = str(uuid.uuid4())
        response.set_cookie(DEVICE, device, httponly=True, samesite="lax", max_age=3600 * 24 * 365)
        request.cookies[DEVICE] = device
        response.context["csrf"] = _csrf(runtime, request)
    return response


@post("/console/login", include_in_schema=False, status_code=303)
async def login(request: Request, db_session: Session, runtime: Runtime_) -> Response:
    form = await _form(request, runtime)
    device = request.cookies.get(DEVICE) or str(uuid.uuid4())
    client = request.client.host if request.client else "unknown"
    try:
        tokens_ = await auth.login(
            db_session,
            runtime,
            form.get("username", ""),
            form.get("password", ""),
            uuid.UUID(device),
            "web console",
            client,
        )
    except ProblemError as exc:
        page = _page(request, runtime, "login.html", None, failed=True, error=exc.detail)
        page.status_code = exc.status
        return page
    if tokens_ is None:
        page = _page(request, runtime, "login.html", None, failed=True)
        page.status_code = 401
        return page
    user = tokens_["user"]
    session = tokens.issue_access(
        runtime.token_key,
        uuid.UUID(user["id"]),
        uuid.UUID(device),
        utcnow() + timedelta(hours=SESSION_HOURS),
    )
    response = Redirect(path="/console/")
    response.set_cookie(
        SESSION, session, httponly=True, samesite="lax", max_age=SESSION_HOURS * 3600
    )
    response.set_cookie(DEVICE, device, httponly=True, samesite="lax", max_age=3600 * 24 * 365)
    return response


@post("/console/logout", include_in_schema=False, status_code=303)
async def logout(request: Request, runtime: Runtime_) -> Response:
    await _form(request, runtime)
    response = _login_redirect()
    response.delete_cookie(SESSION)
    return response


@get("/console/language", include_in_schema=False)
async def language(request: Request) -> Response:
    target = request.query_params.get("next", "/console/")
    response = Redirect(path=target if target.startswith("/console") else "/console/")
    response.set_cookie(
        LANG,
        "en" if request.cookies.get(LANG, "zh") == "zh" else "zh",
        samesite="lax",
        max_age=3600 * 24 * 365,
    )
    return response


async def _rows(db_session: AsyncSession, requests, lang: str) -> list[dict]:
    categories = {c.code: c for c in (await db_session.scalars(select(ServiceCategory))).all()}
    now = utcnow()
    out = []
    for request in requests:
        body = await hotline.public(db_session, request)
        category = categories.get(request.category_code)
        out.append(
            {
                **body,
                "community": body["community"]["name"] if body["community"] else None,
                "category": (category.name_zh if lang == "zh" else category.name_en)
                if category
                else request.category_code,
                "due": request.due_at.strftime("%m-%d %H:%M"),
                "overdue": request.status != RequestStatus.CLOSED
                and (request.stage_due_at is not None and request.stage_due_at < now),
            }
        )
    return out


@get("/console/", include_in_schema=False)
async def queue(request: Request, db_session: Session, runtime: Runtime_) -> Response:
    principal = await _who(request, db_session, runtime)
    if principal is None:
        return _login_redirect()
    status = request.query_params.get("status") or None
    overdue = bool(request.query_params.get("overdue"))
    found = await hotline.search(db_session, principal.actor, status, overdue, utcnow())
    can_register = principal.actor.role in (Role.DISPATCHER, Role.ADMIN, Role.SUPERVISOR)
    return _page(
        request,
        runtime,
        "queue.html",
        principal,
        requests=await _rows(db_session, found, request.cookies.get(LANG, "zh")),
        statuses=[s.value for s in RequestStatus],
        status=status,
        overdue=overdue,
        can_register=can_register,
        categories=(
            await db_session.scalars(select(ServiceCategory).order_by(ServiceCategory.code))
        ).all(),
        residents=await residents.search(db_session, principal.actor, None, None, 300, 0)
        if can_register
        else [],
    )


@post("/console/requests", include_in_schema=False, status_code=303)
async def register(request: Request, db_session: Session, runtime: Runtime_) -> Response:
    principal = await _who(request, db_session, runtime)
    if principal is None:
        return _login_redirect()
    form = await _form(request, runtime)
    values = {
        key: form.get(key, "").strip()
        for key in (
            "channel",
            "caller_name",
            "caller_phone",
            "address",
            "category_code",
            "description",
        )
    }
    values["resident_id"] = uuid.UUID(form["resident_id"]) if form.get("resident_id") else None
    created = await hotline.create(db_session, principal.actor, values, utcnow())
    return Redirect(path=f"/console/requests/{created.id}")


@get("/console/requests/{request_id:uuid}", include_in_schema=False)
async def request_page(
    request: Request, request_id: FromPath[uuid.UUID], db_session: Session, runtime: Runtime_
) -> Response:
    principal = await _who(request, db_session, runtime)
    if principal is None:
        return _login_redirect()
    found = await hotline.visible(db_session, principal.actor, request_id)
    body = await hotline.public(db_session, found)
    category = await db_session.scalar(
        select(ServiceCategory).where(ServiceCategory.code == found.category_code)
    )
    lang = request.cookies.get(LANG, "zh")
    communities = [
        u
        for u in await subtree(db_session, principal.actor.unit_path)
        if u.level == OrgLevel.COMMUNITY
    ]
    workers = [
        u
        for u in await users_in(db_session, principal.actor)
        if u.role in (Role.WORKER, Role.MENTOR)
        and (found.community_id is None or u.org_unit_id == found.community_id)
    ]
    return _page(
        request,
        runtime,
        "request.html",
        principal,
        r=body,
        category=(category.name_zh if lang == "zh" else category.name_en)
        if category
        else found.category_code,
        timeline=await hotline.timeline(db_session, found.id),
        manager=principal.actor.is_manager,
        communities=sorted(communities, key=lambda u: u.code),
        workers=workers,
    )


async def _act(
    request: Request, db_session: AsyncSession, runtime: Runtime, request_id, action
) -> Response:
    principal = await _who(request, db_session, runtime)
    if principal is None:
        return _login_redirect()
    form = await _form(request, runtime)
    try:
        await action(principal, form)
    except Refusal as refusal:
        raise ProblemError(refusal.status, refusal.code, refusal.message) from None
    return Redirect(path=f"/console/requests/{request_id}")


@post("/console/requests/{request_id:uuid}/dispatch", include_in_schema=False, status_code=303)
async def dispatch(
    request: Request, request_id: FromPath[uuid.UUID], db_session: Session, runtime: Runtime_
) -> Response:
    return await _act(
        request,
        db_session,
        runtime,
        request_id,
        lambda p, f: hotline.dispatch(
            db_session,
            p.actor,
            request_id,
            f.get("community_code") or None,
            f.get("department") or None,
            utcnow(),
        ),
    )


@post("/console/requests/{request_id:uuid}/assign", include_in_schema=False, status_code=303)
async def assign(
    request: Request, request_id: FromPath[uuid.UUID], db_session: Session, runtime: Runtime_
) -> Response:
    return await _act(
        request,
        db_session,
        runtime,
        request_id,
        lambda p, f: hotline.assign(
            db_session, p.actor, request_id, uuid.UUID(f["assignee_id"]), utcnow()
        ),
    )


@post("/console/requests/{request_id:uuid}/verify", include_in_schema=False, status_code=303)
async def verify(
    request: Request, request_id: FromPath[uuid.UUID], db_session: Session, runtime: Runtime_
) -> Response:
    from server.visits import service as visits

    async def decide(principal: Principal, form: dict[str, str]) -> None:
        found = await hotline.visible(db_session, principal.actor, request_id)
        await visits.decide(
            db_session,
            principal.actor,
            m.ApprovalDecide(
                visit_id=found.visit_id,
                decision=form.get("decision", "approve"),
                reason=form.get("reason") or None,
            ),
        )

    return await _act(request, db_session, runtime, request_id, decide)


@post("/console/requests/{request_id:uuid}/feedback", include_in_schema=False, status_code=303)
async def feedback(
    request: Request, request_id: FromPath[uuid.UUID], db_session: Session, runtime: Runtime_
) -> Response:
    return await _act(
        request,
        db_session,
        runtime,
        request_id,
        lambda p, f: hotline.give_feedback(
            db_session, p.actor, request_id, f.get("note", ""), utcnow()
        ),
    )


@post("/console/requests/{request_id:uuid}/rating", include_in_schema=False, status_code=303)
async def rating(
    request: Request, request_id: FromPath[uuid.UUID], db_session: Session, runtime: Runtime_
) -> Response:
    return await _act(
        request,
        db_session,
        runtime,
        request_id,
        lambda p, f: hotline.rate_as_manager(
            db_session, p.actor, request_id, int(f.get("score", 5)), f.get("comment", ""), utcnow()
        ),
    )


@get("/console/export.csv", include_in_schema=False)
async def export(request: Request, db_session: Session, runtime: Runtime_) -> Response:
    from server.requests.routes import csv_response

    principal = await _who(request, db_session, runtime)
    if principal is None:
        return _login_redirect()
    status = request.query_params.get("status") or None
    overdue = bool(request.query_params.get("overdue"))
    rows = await hotline.search(db_session, principal.actor, status, overdue, utcnow(), 100_000)
    return csv_response(rows, "requests.csv")


@get("/console/dashboard.csv", include_in_schema=False)
async def dashboard_csv(request: Request, db_session: Session, runtime: Runtime_) -> Response:
    principal = await _who(request, db_session, runtime)
    if principal is None:
        return _login_redirect()
    board = await hotline.dashboard(db_session, principal.actor, utcnow())
    columns = ["total", "open", "overdue", "median_hours_to_resolve", "satisfaction", "rated"]
    rows = [
        [group.removeprefix("by_"), name, *(figures[c] for c in columns)]
        for group in ("by_subdistrict", "by_community", "by_category", "by_level")
        for name, figures in board[group].items()
    ]
    return csv_download(["group", "name", *columns], rows, "dashboard.csv")


@get("/console/supervise", include_in_schema=False)
async def supervise(request: Request, db_session: Session, runtime: Runtime_) -> Response:
    principal = await _who(request, db_session, runtime)
    if principal is None:
        return _login_redirect()
    lang = request.cookies.get(LANG, "zh")
    now = utcnow()
    to_verify = await hotline.search(
        db_session, principal.actor, RequestStatus.RESOLVED, False, now
    )
    overdue = await _rows(
        db_session, await hotline.search(db_session, principal.actor, None, True, now), lang
    )
    behind: dict[str, list] = {}
    for row in overdue:
        behind.setdefault(row["community"] or "—", []).append(row)
    return _page(
        request,
        runtime,
        "supervise.html",
        principal,
        to_verify=await _rows(db_session, to_verify, lang),
        behind=sorted(behind.items(), key=lambda item: -len(item[1])),
    )


@get("/console/dashboard", include_in_schema=False)
async def dashboard(request: Request, db_session: Session, runtime: Runtime_) -> Response:
    principal = await _who(request, db_session, runtime)
    if principal is None:
        return _login_redirect()
    board = await hotline.dashboard(db_session, principal.actor, utcnow())
    return _page(request, runtime, "dashboard.html", principal, board=board)


ROUTES = [
    login_page,
    login,
    logout,
    language,
    queue,
    export,
    register,
    request_page,
    dispatch,
    assign,
    verify,
    feedback,
    rating,
    supervise,
    dashboard,
    dashboard_csv,
]
__all__ = ["ROUTES"]
