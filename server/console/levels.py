"""The console's pages for the hotline's levels: an office's or a department's own queue
(dispatching on; accepting, resolving, transferring, returning), the inspectors' list with
their supervision notes (督办), and the levels' part of a request's page. Each form calls the
same service function as the API."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import utcnow
from server.console import decisions, forms, listing
from server.console.session import flash_cookie, language, page
from server.console.strings import translator
from server.console.urls import FOLDER, PREFIX, url
from server.console.views import category_names, pace_words, shared_street
from server.deps import Runtime_, Session, Viewer
from server.errors import Refusal
from server.hotline import service as hotline
from server.hotline.queries import community_path, holder_path, overdue_clause
from server.hotline.schemas import (
    AcceptBody,
    DispatchBody,
    NoteBody,
    ReasonBody,
    RequestDetailPublic,
    RequestPublic,
    TransferBody,
)
from server.hotline.tables import HotlineRequest
from server.org.service import all_units, departments, visible_units
from shared.enums import OrgLevel, Role
from shared.localtime import format_local
from shared.permissions import (
    Actor,
    may_act_on_request,
    may_answer_note,
    may_supervise_request,
    may_work_for_department,
)
from shared.requests import POOR_RATING, RequestStatus

ROUTABLE = (RequestStatus.RECEIVED, RequestStatus.DISPATCHED)
# The steps with a form page of their own, and the field a refusal of each is shown beside.
FORM_STEPS = {
    "route": "org_unit_code",
    "resolve": "note",
    "transfer": "department_code",
    "return": "reason",
}
# Where a step's form labels a field otherwise than the common words (`f_<field>`).
STEP_LABELS = {
    "route": {"note": "route_note"},
    "resolve": {"note": "result"},
    "transfer": {"note": "route_note"},
}


class AnswerForm(msgspec.Struct):
    """The answer to a supervision note: the API takes the note's id in its path."""

    note_id: uuid.UUID
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


# Each of the levels' forms: the API's body struct it is read into, and the service call.
STEPS: dict[str, tuple[type, Callable[..., Awaitable[Any]]]] = {
    "route": (
        DispatchBody,
        lambda s, actor, rid, b, now: hotline.dispatch(
            s, actor, rid, b.org_unit_code, b.department_code, now, note=b.note
        ),
    ),
    "accept": (
        AcceptBody,
        lambda s, actor, rid, b, now: hotline.accept(s, actor, rid, now, b.note),
    ),
    "resolve": (
        NoteBody,
        lambda s, actor, rid, b, now: hotline.resolve(s, actor, rid, b.note, now),
    ),
    "transfer": (
        TransferBody,
        lambda s, actor, rid, b, now: hotline.transfer(
            s, actor, rid, b.department_code, b.note, now
        ),
    ),
    "return": (
        ReasonBody,
        lambda s, actor, rid, b, now: hotline.give_back(s, actor, rid, b.reason, now),
    ),
    "supervise": (
        NoteBody,
        lambda s, actor, rid, b, now: hotline.add_note(s, actor, rid, b.note, now),
    ),
    "answer": (
        AnswerForm,
        lambda s, actor, rid, b, now: hotline.answer(s, actor, rid, b.note_id, b.note, now),
    ),
    **decisions.STEPS,  # extensions, and the decisions on them and on returns
}


async def rows(
    session: AsyncSession, requests: list[HotlineRequest], lang: str, zone: str
) -> list[dict[str, Any]]:
    """One row a request for the levels' lists, in words and local times."""
    now = utcnow()
    names = await category_names(session, lang)
    members = {d.id: d.name if lang == "zh" else d.name_en for d in await departments(session)}
    notes = await hotline.open_notes(session, [r.id for r in requests])
    tr = translator(lang)
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
            "pace": pace_words(r.due_at, r.warning_at, r.status == RequestStatus.CLOSED, now, tr),
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
    targets, candidates, said = [], [], ""
    if may_route:
        seen = await visible_units(session, actor)
        targets = [u for u in seen if u.level != OrgLevel.DISTRICT and u.path != actor.unit_path]
        candidates, said = await shared_street(session, request.address, targets, translator(lang))
    may_answer = may_answer_note(actor, place, holder, request.department_id)
    members = await departments(session)
    authors = await _names(session, [n.author_id for n in shown.supervision])
    return {
        "may_route": may_route,
        "targets": targets,
        "candidates": candidates,
        "shared_street": said,
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
        "decisions": await decisions.request_context(
            session, actor, request, shown.extensions, lang, zone, utcnow()
        ),
    }


async def _names(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    from sqlalchemy import select

    from server.auth.tables import User

    if not ids:
        return {}
    found = await session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in found.all()}


def _ours(target: str) -> bool:
    """A console address a form may lead back to (never another site)."""
    return target.startswith(PREFIX + "/") and "//" not in target and "\\" not in target


def _next(request: Request, form: dict[str, str], rid: uuid.UUID) -> str:
    """Where a form leads back to: a console page it names, or the request's page."""
    target = form.get("next", "")
    if _ours(target):
        return target
    return url(request, "console.request_page", request_id=rid)


class Levels(Controller):
    """The levels' pages (the console's router supplies the session and the error pages)."""

    path = "/levels"

    @get("/", name="console.levels", opt=FOLDER)
    async def queue(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        """The office's or department's own queue by urgency, filtered and paged; each row
        leads to one form for its next step (no pickers on the rows: the page is sized by the
        requests on it, not by the tree)."""
        actor, lang = viewer.actor, language(request)
        zone = runtime.settings.timezone
        if not (actor.is_manager or actor.role is Role.DEPARTMENT):
            raise Refusal("forbidden", "This queue is for offices and departments.")
        filters = listing.read(request.query_params, zone)
        listed = await listing.requests(
            db_session, actor, filters, utcnow(), order=listing.URGENT, held=True, open_only=True
        )
        tr = translator(lang)
        if actor.role is Role.DEPARTMENT:
            member = next(
                (d for d in await departments(db_session) if d.id == actor.department_id), None
            )
            name = (member.name if lang == "zh" else member.name_en) if member else ""
            heading = tr("my_queue_department", department=name)
        else:
            heading = tr("my_queue_office", unit=viewer.unit.name)
        categories = await hotline.categories(db_session)
        return page(
            request,
            runtime,
            "levels_queue.html",
            viewer,
            heading=heading,
            requests=await rows(db_session, listed.requests, lang, zone),
            listed=listed,
            filters=filters,
            choice=await listing.choices(db_session, actor, categories, lang),
            is_department=actor.role is Role.DEPARTMENT,
            waiting=await decisions.waiting_rows(db_session, actor, lang, zone, utcnow()),
            back=filters.link(url(request, "console.levels")),
        )

    @get("/requests/{request_id:uuid}/{step:str}", name="console.level_form")
    async def step_form(
        self,
        request: Request,
        request_id: FromPath[uuid.UUID],
        step: FromPath[str],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Template:
        """One request's form for one step of the levels (route, resolve, transfer, return):
        the pickers of units and departments live here, once, not on every row of a queue."""
        if step not in FORM_STEPS:
            raise NotFoundException(f"No step {step!r}.")
        back = request.query_params.get("next", "")
        context = await _step_context(request, db_session, runtime, viewer, request_id, step, back)
        return page(request, runtime, "levels_step.html", viewer, **context, form={})

    @get("/inspection", name="console.inspection")
    async def inspection(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        """Requests overdue or rated poorly in the viewer's part of the tree, with note forms:
        overdue first (the most overdue on top), filtered and paged."""
        actor = viewer.actor
        if not (actor.role is Role.INSPECTOR or actor.is_manager):
            raise Refusal("forbidden", "The supervision list is for inspectors and managers.")
        lang, zone, now = language(request), runtime.settings.timezone, utcnow()
        filters = listing.read(request.query_params, zone)
        poorly = HotlineRequest.rating.is_not(None) & (HotlineRequest.rating <= POOR_RATING)
        listed = await listing.requests(
            db_session,
            actor,
            filters,
            now,
            order=listing.URGENT,
            extra=or_(overdue_clause(now), poorly),
        )
        return page(
            request,
            runtime,
            "levels_inspection.html",
            viewer,
            requests=await rows(db_session, listed.requests, lang, zone),
            listed=listed,
            filters=filters,
            choice=await listing.choices(
                db_session, actor, await hotline.categories(db_session), lang
            ),
            may_note=actor.role is Role.INSPECTOR,
        )

    @post("/requests/{request_id:uuid}/{step:str}", name="console.level_step", status_code=303)
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
        form = await forms.read_form(request, runtime)
        if step not in STEPS:
            raise NotFoundException(f"No step {step!r}.")
        if form.get("_form") == "step" and step in FORM_STEPS:
            context = await _step_context(
                request, db_session, runtime, viewer, request_id, step, form.get("next", "")
            )
            forms.refuse_inside(
                request, "levels_step.html", FORM_STEPS[step], STEP_LABELS.get(step), **context
            )
        body_type, call = STEPS[step]
        await call(db_session, viewer.actor, request_id, forms.parse(form, body_type), utcnow())
        done = await done_cookie(db_session, request_id, step, language(request))
        return Redirect(path=_next(request, form, request_id), status_code=303, cookies=[done])


async def _step_context(
    request: Request,
    session: AsyncSession,
    runtime: Runtime_,
    viewer: Viewer,
    request_id: uuid.UUID,
    step: str,
    back: str,
) -> dict[str, Any]:
    """What a step's form page shows, as plain values (a refusal renders it again after the
    transaction is rolled back)."""
    found = await hotline.visible(session, viewer.actor, request_id)
    lang, zone = language(request), runtime.settings.timezone
    (row,) = await rows(session, [found], lang, zone)
    targets, candidates, said = [], [], ""
    if step == "route":
        units = [
            u
            for u in await visible_units(session, viewer.actor)
            if u.level != OrgLevel.DISTRICT and u.path != viewer.actor.unit_path
        ]
        targets = [{"code": u.code, "name": u.name, "level": u.level} for u in units]
        candidates, said = await shared_street(session, found.address, units, translator(lang))
    return {
        "step": step,
        "r": row,
        "targets": targets,
        "candidates": candidates,
        "shared_street": said,
        "departments": [
            {"code": d.code, "name": d.name, "name_en": d.name_en}
            for d in await departments(session)
            if d.id != viewer.actor.department_id
        ],
        "next": back if _ours(back) else url(request, "console.levels"),
    }


async def done_cookie(session: AsyncSession, request_id: uuid.UUID, step: str, lang: str):
    """The confirmation of a step, naming where the request went ("已转派至和平街道")."""
    request = await session.get(HotlineRequest, request_id)
    assert request is not None  # the step has just moved it
    units = await all_units(session)
    routed = step in ("route", "dispatch")
    names = [units[request.unit_id].name] if routed and request.unit_id else []
    if (routed or step == "transfer") and request.department_id:
        member = next(d for d in await departments(session) if d.id == request.department_id)
        names.append(member.name if lang == "zh" else member.name_en)
    key = "done_route" if routed else f"done_{step}"
    return flash_cookie(key, number=request.number, to="、".join(names) or "—")
