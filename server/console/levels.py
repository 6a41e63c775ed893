"""The console's pages for the hotline's levels: an office's or a department's own queue
(dispatching on; accepting, resolving, transferring, returning), the inspectors' list with
their supervision notes (督办), and the levels' part of a request's page. Each form calls the
same service function as the API."""

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.service import Principal
from server.console.session import (
    ERROR_PAGES,
    LoginRequired,
    language,
    page,
    provide_viewer,
    read_form,
    to_login,
)
from server.console.strings import translator
from server.console.views import category_names
from server.db.types import utcnow
from server.errors import Refusal
from server.hotline import service as hotline
from server.hotline.queries import community_path, holder_path
from server.hotline.schemas import RequestDetailPublic, RequestPublic
from server.hotline.tables import HotlineRequest
from server.org.service import departments, visible_units
from server.runtime import Runtime
from shared.enums import OrgLevel, Role
from shared.localtime import format_local
from shared.permissions import (
    Actor,
    may_act_on_request,
    may_answer_note,
    may_supervise_request,
    may_work_for_department,
)
from shared.requests import RequestStatus

Session = NamedDependency[AsyncSession]
Runtime_ = NamedDependency[Runtime]
Viewer = NamedDependency[Principal]
ROUTABLE = (RequestStatus.RECEIVED, RequestStatus.DISPATCHED)


def _field(form: dict[str, str], name: str, required: bool = True) -> str | None:
    """A form field, trimmed; 400 `invalid_request` (or `reason_required`) when a required one
    is empty or any is too long."""
    value = form.get(name, "").strip()
    if len(value) > 4000:
        raise Refusal("invalid_request", f"{name} is too long.", 400)
    if required and not value:
        code = "reason_required" if name == "reason" else "invalid_request"
        raise Refusal(code, f"{name} is required.", 400)
    return value or None


def _uuid(value: str | None) -> uuid.UUID:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        raise Refusal("invalid_request", "Not a valid id.", 400) from None


async def _step(
    session: AsyncSession, actor: Actor, rid: uuid.UUID, step: str, form: dict[str, str]
) -> None:
    """One of the levels' forms, as the service call the API makes for it."""
    now = utcnow()
    match step:
        case "route":
            await hotline.dispatch(
                session,
                actor,
                rid,
                _field(form, "org_unit_code", False),
                _field(form, "department_code", False),
                now,
                note=_field(form, "note", False),
            )
        case "accept":
            await hotline.accept(session, actor, rid, now, _field(form, "note", False))
        case "resolve":
            await hotline.resolve(session, actor, rid, _field(form, "note") or "", now)
        case "transfer":
            code = _field(form, "department_code") or ""
            await hotline.transfer(session, actor, rid, code, _field(form, "note", False), now)
        case "return":
            await hotline.give_back(session, actor, rid, _field(form, "reason") or "", now)
        case "supervise":
            await hotline.add_note(session, actor, rid, _field(form, "note") or "", now)
        case "answer":
            note_id = _uuid(form.get("note_id"))
            await hotline.answer(session, actor, rid, note_id, _field(form, "note") or "", now)
        case _:
            raise NotFoundException(f"No step {step!r}.")


async def rows(
    session: AsyncSession, requests: list[HotlineRequest], lang: str, zone: str
) -> list[dict[str, Any]]:
    """One row a request for the levels' lists, in words and local times."""
    now = utcnow()
    names = await category_names(session, lang)
    members = {d.id: d.name if lang == "zh" else d.name_en for d in await departments(session)}
    notes = await hotline.open_notes(session, [r.id for r in requests])
    shown: list[RequestPublic] = await hotline.public(session, requests, now)
    return [
        {
            "id": r.id,
            "number": r.number,
            "category": names.get(r.category_code, r.category_code),
            "community": r.community.name if r.community else "",
            "held_by": r.held_by.name if r.held_by else "",
            "department": members.get(r.department_id, "") if r.department_id else "",
            "status": r.status,
            "level": r.level,
            "due": format_local(r.due_at, lang, zone, now=now),
            "overdue": r.overdue,
            "rating": r.rating,
            "open_notes": notes.get(r.id, 0),
        }
        for r in shown
    ]


async def request_context(
    session: AsyncSession, actor: Actor, shown: RequestDetailPublic, lang: str, zone: str
) -> dict[str, Any]:
    """What the request page shows and offers for the levels: the send-on form, a department's
    steps, the supervision notes with their answer forms, an inspector's note form."""
    request = await session.get(HotlineRequest, shown.id)
    assert request is not None  # the page read it a moment ago
    place, holder = await community_path(session, request), await holder_path(session, request)
    may_route = may_act_on_request(actor, place, holder) and shown.status in ROUTABLE
    targets = []
    if may_route:
        targets = [
            u
            for u in await visible_units(session, actor)
            if u.level != OrgLevel.DISTRICT and u.path != actor.unit_path
        ]
    may_answer = may_answer_note(actor, place, holder, request.department_id)
    members = await departments(session)
    authors = await _names(session, [n.author_id for n in shown.supervision])
    return {
        "may_route": may_route,
        "targets": targets,
        "departments": members,
        "department_of": may_work_for_department(actor, request.department_id),
        "may_supervise": may_supervise_request(actor, place, holder),
        "notes": [
            {
                "id": n.id,
                "text": n.text,
                "author": authors.get(n.author_id, ""),
                "at": format_local(n.at, lang, zone),
                "answer": n.answer,
                "answered_at": format_local(n.answered_at, lang, zone),
                "may_answer": may_answer and n.answered_at is None,
            }
            for n in shown.supervision
        ],
        "held_by": shown.held_by.name if shown.held_by else "",
        "routed_department": next(
            (d.name if lang == "zh" else d.name_en for d in members if d.id == shown.department_id),
            "",
        ),
        "overdue": shown.overdue,
        "due": format_local(shown.due_at, lang, zone),
    }


async def _names(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    from sqlalchemy import select

    from server.auth.tables import User

    if not ids:
        return {}
    found = await session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in found.all()}


def _next(form: dict[str, str], rid: uuid.UUID) -> str:
    """Where a form leads back to: a console page it names, or the request's page."""
    target = form.get("next", "")
    if target.startswith("/console/") and "//" not in target and "\\" not in target:
        return target
    return f"/console/requests/{rid}"


class Levels(Controller):
    """Every page here needs a console session; without one it leads to the login form."""

    path = "/console/levels"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_viewer)}
    exception_handlers = {LoginRequired: to_login, **ERROR_PAGES}

    @get("/")
    async def queue(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        """The office's or department's own queue, with the forms to move each request on."""
        actor, lang = viewer.actor, language(request)
        zone = runtime.settings.timezone
        if not (actor.is_manager or actor.role is Role.DEPARTMENT):
            raise Refusal("forbidden", "This queue is for offices and departments.")
        held = await hotline.search(db_session, actor, None, False, utcnow(), 500, held=True)
        open_ones = [r for r in held if r.status != RequestStatus.CLOSED]
        tr = translator(lang)
        if actor.role is Role.DEPARTMENT:
            member = next(
                (d for d in await departments(db_session) if d.id == actor.department_id), None
            )
            name = (member.name if lang == "zh" else member.name_en) if member else ""
            heading = tr("my_queue_department", department=name)
        else:
            heading = tr("my_queue_office", unit=viewer.unit.name)
        targets = [
            u
            for u in await visible_units(db_session, actor)
            if u.level != OrgLevel.DISTRICT and u.path != actor.unit_path
        ]
        return page(
            request,
            runtime,
            "levels_queue.html",
            viewer,
            heading=heading,
            requests=await rows(db_session, open_ones, lang, zone),
            is_department=actor.role is Role.DEPARTMENT,
            own_department=actor.department_id,
            targets=targets,
            departments=await departments(db_session),
        )

    @get("/inspection")
    async def inspection(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        """Requests overdue or rated poorly in the viewer's part of the tree, with note forms."""
        lang, zone = language(request), runtime.settings.timezone
        found = await hotline.watch_list(db_session, viewer.actor, utcnow())
        return page(
            request,
            runtime,
            "levels_inspection.html",
            viewer,
            requests=await rows(db_session, found, lang, zone),
            may_note=viewer.actor.role is Role.INSPECTOR,
        )

    @post("/requests/{request_id:uuid}/{step:str}", status_code=303)
    async def act(
        self,
        request: Request,
        request_id: FromPath[uuid.UUID],
        step: FromPath[str],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Response:
        """The levels' forms: route, accept, resolve, transfer, return, supervise, answer."""
        form = await read_form(request, runtime)
        await _step(db_session, viewer.actor, request_id, step, form)
        return Redirect(path=_next(form, request_id), status_code=303)
