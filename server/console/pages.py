"""The console's signed-in pages: the queue and intake, a request and its actions, supervision
and the dashboard. A skin over the hotline service: each handler reads the form, calls the same
service function as the API, and renders or redirects."""

import contextlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.service import Principal
from server.clock import utcnow
from server.console import exports, forms, intake, levels, listing, repeats_block, views
from server.console.partners_block import dashboard_block
from server.console.session import flash_cookie, language, page
from server.console.strings import translator
from server.console.urls import FOLDER, redirect, url
from server.deps import Runtime_, Session, Viewer
from server.errors import Refusal
from server.hotline import holidays
from server.hotline import service as hotline
from server.hotline.schemas import (
    AssignBody,
    CallbackBody,
    DispatchBody,
    MergeBody,
    NoteBody,
    RatingBody,
    RequestCreate,
    VerifyBody,
)
from server.org.service import all_units, visible_units
from server.plans import service as plans
from server.residents import service as residents
from server.runtime import Runtime
from server.visits import service as visits
from server.visits.records import visits_for_request
from shared import words
from shared.enums import OrgLevel
from shared.permissions import may_register_request, may_supervise
from shared.requests import RequestStatus

# The intake field a refusal of the service is about (by its code).
INTAKE_FIELDS = {"unknown_category": "category_code", "not_found": "resident_id"}

# Each form of the request page: the API's body struct it is read into, and the service call.
DISPATCHABLE = (RequestStatus.RECEIVED, RequestStatus.DISPATCHED)  # the dispatch form shown
STEPS: dict[str, tuple[type, Callable[..., Awaitable[Any]]]] = {
    "dispatch": (
        DispatchBody,
        lambda s, actor, rid, b: hotline.dispatch(
            s,
            actor,
            rid,
            b.org_unit_code or b.community_code,
            b.department_code,
            utcnow(),
            note=b.note,
        ),
    ),
    "assign": (
        AssignBody,
        lambda s, actor, rid, b: hotline.assign(s, actor, rid, b.assignee_id, utcnow()),
    ),
    "verify": (
        VerifyBody,
        lambda s, actor, rid, b: hotline.verify(s, actor, rid, b.decision, b.reason),
    ),
    "feedback": (
        NoteBody,
        lambda s, actor, rid, b: hotline.give_feedback(s, actor, rid, b.note, utcnow()),
    ),
    "callback": (
        CallbackBody,
        lambda s, actor, rid, b: hotline.call_back(s, actor, rid, b, utcnow()),
    ),
    "merge": (
        MergeBody,
        lambda s, actor, rid, b: hotline.merge(s, actor, rid, b.into, utcnow()),
    ),
    "rating": (
        RatingBody,
        lambda s, actor, rid, b: hotline.rate_as_manager(
            s, actor, rid, b.score, b.comment, utcnow()
        ),
    ),
}


async def _queue(
    request: Request,
    db_session: AsyncSession,
    runtime: Runtime,
    viewer: Principal,
    form: dict[str, str] | None = None,
    asked: dict | None = None,
    refused: dict | None = None,
) -> Template:
    """The queue with the intake form (filled in again, with a question, when asked), and
    the request list below it, filtered and paged (`listing`)."""
    filters = listing.read(request.query_params, runtime.settings.timezone)
    now = utcnow()
    listed = await listing.requests(db_session, viewer.actor, filters, now)
    # Registering without naming a resident: the same rule the service applies.
    can_register = may_register_request(viewer.actor, viewer.actor.unit_path, False)
    picked = None
    if form and form.get("resident_id") not in (None, "", intake.NEW):
        with contextlib.suppress(Refusal, ValueError):
            picked = await residents.get_visible(
                db_session, viewer.actor, uuid.UUID(form["resident_id"])
            )
    categories = await hotline.categories(db_session)
    # The resident search proposes; it never picks (the person chooses from the list).
    q = (form or {}).get("q", request.query_params.get("q", "")).strip()
    matches = await intake.find(db_session, viewer.actor, q, 50) if can_register else []
    return page(
        request,
        runtime,
        "queue.html",
        viewer,
        here_key="queue",  # a refused intake answers at the form's address: still this page
        q=q,
        found=matches,
        requests=await views.request_rows(db_session, listed.requests, language(request), now),
        listed=listed,
        filters=filters,
        choice=await listing.choices(db_session, viewer.actor, categories, language(request)),
        can_register=can_register,
        categories=categories,
        programmes=intake.by_programme(categories),
        form=form or {},
        asked=asked or {},
        picked=picked,
        field=(refused or {}).get("field"),
        field_error=(refused or {}).get("error"),
        error=(refused or {}).get("error"),
    )


class Requests(Controller):
    """The hotline's pages (the console's router supplies the session and the error pages)."""

    @get("/", name="console.queue", opt=FOLDER)
    async def queue(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        return await _queue(request, db_session, runtime, viewer)

    @post("/requests", name="console.register", status_code=303)
    async def register(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        form = await forms.read_form(request, runtime)
        try:
            body = forms.parse(intake.as_body(form), RequestCreate)
            asked = await intake.questions(db_session, viewer.actor, form)
            if asked:
                # Asked, not guessed: the form comes back filled in, with the question.
                return await _queue(request, db_session, runtime, viewer, form=form, asked=asked)
            created = await hotline.create(
                db_session, viewer.actor, msgspec.structs.asdict(body), utcnow()
            )
        except Refusal as refused:
            # Every check refuses before anything is written: the form again, as typed, the
            # field marked and the reason beside it.
            tr = translator(language(request))
            code = f"e_{refused.code}"
            error = tr(code) if words.has(f"console.{code}") else tr("e_other")
            detail = refused.words(tr) if isinstance(refused, forms.InvalidForm) else None
            field = getattr(refused, "field", None) or INTAKE_FIELDS.get(refused.code)
            shown = await _queue(
                request,
                db_session,
                runtime,
                viewer,
                form=form,
                refused={"field": field, "error": detail or error},
            )
            shown.status_code = refused.status
            return shown
        shown = redirect(request, "console.request_page", request_id=created.id)
        shown.cookies.append(flash_cookie("done_register", number=created.number))
        return shown

    @post("/intake/find", name="console.intake_find")
    async def find_resident(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        """The intake form's resident search: the form comes back with everything typed and
        the residents found to choose from (a POST, so that nothing typed goes into an
        address)."""
        form = await forms.read_form(request, runtime)
        typed = {k: v for k, v in form.items() if k != "_csrf_token"}
        return await _queue(request, db_session, runtime, viewer, form=typed)

    @get("/requests/{request_id:uuid}", name="console.request_page")
    async def request_page(
        self,
        request: Request,
        request_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Template:
        found = await hotline.visible(db_session, viewer.actor, request_id)
        shown = await hotline.detail(db_session, found)
        lang = language(request)
        categories = await views.category_names(db_session, lang)
        manager = viewer.actor.is_manager
        units = await all_units(db_session)
        mine = {u.id for u in await visible_units(db_session, viewer.actor)}
        sendable = [u for u in units.values() if u.id in mine or u.level != OrgLevel.COMMUNITY]
        dispatch: dict[str, Any] = {"communities": [], "candidates": [], "shared_street": ""}
        if manager and shown.community is None and shown.status in DISPATCHABLE:
            # Unplaced: the communities the address library names first (a shared street).
            dispatch = await views.dispatch_choices(
                db_session, shown.address, sendable, translator(lang)
            )
        elif manager:
            dispatch["communities"] = views.grouped_communities(sendable)
        return page(
            request,
            runtime,
            "request.html",
            viewer,
            r=shown,
            category=categories.get(shown.category_code, shown.category_code),
            timeline=views.timeline_rows(shown.timeline, translator(lang)),
            manager=manager,
            **dispatch,
            workers=views.assignee_rows(
                await hotline.assignable(db_session, viewer.actor, request_id), translator(lang)
            ),
            visits=await visits_for_request(db_session, viewer.actor, request_id),
            levels=await levels.request_context(
                db_session, viewer.actor, shown, lang, runtime.settings.timezone
            ),
            **await repeats_block.context(db_session, viewer.actor, shown),
        )

    @post("/requests/{request_id:uuid}/{step:str}", name="console.request_step", status_code=303)
    async def act(
        self,
        request: Request,
        request_id: FromPath[uuid.UUID],
        step: FromPath[str],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Response:
        """The request page's forms: dispatch, assign, verify, feedback, 回访, merge, rating."""
        if step not in STEPS:
            raise NotFoundException(f"No step {step!r}.")
        body_type, call = STEPS[step]
        form = await forms.read_form(request, runtime)
        # A 回访's answers left blank are no answer (null), its note may be empty.
        blank = {"resolved": None, "satisfied": None, "note": ""} if step == "callback" else {}
        given = {k: v for k, v in blank.items() if not form.get(k, "").strip()}
        body = forms.parse(form, body_type, **given)
        await call(db_session, viewer.actor, request_id, body)
        shown = redirect(request, "console.request_page", request_id=request_id)
        shown.cookies.append(
            await levels.done_cookie(db_session, request_id, step, language(request))
        )
        return shown

    @get("/export.csv", name="console.export")
    async def export(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        filters = listing.read(request.query_params, runtime.settings.timezone)
        return exports.requests_csv_stream(runtime, viewer.actor, filters, language(request))

    @get("/export.xlsx", name="console.export_xlsx")
    async def export_xlsx(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        """The request list (its filters) as an Excel workbook, in the viewer's language."""
        filters = listing.read(request.query_params, runtime.settings.timezone)
        return await exports.requests_xlsx_stream(runtime, viewer.actor, filters, language(request))

    @get("/dashboard.csv", name="console.dashboard_csv")
    async def dashboard_csv(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        query = views.dashboard_query(request.query_params, runtime.settings.timezone, utcnow())
        since, until = views.date_range(query, runtime.settings.timezone)
        board = await hotline.dashboard(db_session, viewer.actor, utcnow(), since, until)
        return await exports.dashboard_csv_in(db_session, board, language(request))

    @get("/supervise", name="console.supervise")
    async def supervise(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        if not may_supervise(viewer.actor):
            raise Refusal("forbidden", "The supervision page is for managers.", 403)
        lang, now = language(request), utcnow()
        to_verify = await hotline.search(
            db_session, viewer.actor, RequestStatus.RESOLVED, False, now
        )
        overdue = await views.request_rows(
            db_session, await hotline.search(db_session, viewer.actor, None, True, now), lang, now
        )
        behind: dict[str, list] = {}
        for row in overdue:
            behind.setdefault(row["community"] or "—", []).append(row)
        return page(
            request,
            runtime,
            "supervise.html",
            viewer,
            alerts=await plans.alert_facts(
                db_session, await plans.alerts_for(db_session, viewer.actor)
            ),
            to_verify=await views.request_rows(db_session, to_verify, lang, now),
            to_approve=await views.approval_rows(
                db_session,
                await visits.list_visible(db_session, viewer.actor, "completed", None, 100, 0)
                if viewer.actor.is_manager
                else [],
            ),
            behind=sorted(behind.items(), key=lambda item: -len(item[1])),
        )

    @get("/dashboard", name="console.dashboard")
    async def dashboard(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        lang = language(request)
        # This month unless the viewer chose (both fields left empty: every request).
        query = views.dashboard_query(request.query_params, runtime.settings.timezone, utcnow())
        since, until = views.date_range(query, runtime.settings.timezone)
        board = await hotline.dashboard(db_session, viewer.actor, utcnow(), since, until)
        categories = await views.category_names(db_session, lang)
        return page(
            request,
            runtime,
            "dashboard.html",
            viewer,
            board=views.dashboard_groups(board, categories, translator(lang)),
            **await dashboard_block(db_session, viewer.actor, runtime),
            date_from=query.get("from", ""),
            date_to=query.get("to", ""),
            # Years the official calendar does not know: their limits count weekends only.
            calendar_gaps=await holidays.unknown_years(db_session, utcnow()),
            # The CSV of what the screen shows: the same range.
            csv_link=url(
                request,
                "console.dashboard_csv",
                {k: v for k in ("from", "to") if (v := query.get(k, ""))},
            ),
        )
