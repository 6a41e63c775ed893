"""The console's pages for the special funds and the partner register: a unit's fund with its
ledger (and as CSV), spending and budgets, the register, a team and its activities. Each
handler reads the form into the API's body struct and calls the API's service function."""

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from server.clock import utcnow
from server.console import forms
from server.console.listing import PAGE_SIZE as PAGE
from server.console.listing import page_number, pager
from server.console.session import language, page
from server.console.strings import translator
from server.console.urls import redirect
from server.deps import Runtime_, Session, Viewer
from server.errors import Refusal
from server.export import csv_download
from server.funds import service as funds
from server.funds.schemas import BudgetSet, SpendingCreate
from server.org.service import visible_units
from server.organisations import service as register
from server.organisations.schemas import ActivityCreate, OrganisationCreate
from shared.administration import (
    may_record_activity,
    may_record_spending,
    may_register_organisation,
    may_set_budget,
)
from shared.funds import FUND_CATEGORIES, ORGANISATION_KINDS
from shared.localtime import format_csv, format_local, to_local

LEDGER_COLUMNS = ("spent_at", "unit", "fc", "amount", "fund_note", "source", "recorded_by")


def _year(request: Request, session) -> int:
    raw = request.query_params.get("year") or ""
    if not raw:
        return funds.current_year(session)
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise Refusal("invalid_request", "The year must lie between 2000 and 2100.", 400)
    return int(raw)


class FundsConsole(Controller):
    """Funds and the register (the console's router supplies the session and the error
    pages)."""

    @get("/funds", name="console.funds")
    async def fund_page(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        code = request.query_params.get("org_unit") or viewer.unit.code
        year = _year(request, db_session)
        fund = await funds.report(db_session, viewer.actor, code, year)
        lang, zone = language(request), runtime.settings.timezone
        path = next(u.path for u in await visible_units(db_session, viewer.actor) if u.code == code)
        return page(
            request,
            runtime,
            "funds.html",
            viewer,
            fund=fund,
            entries=[
                {**_entry_words(e, translator(lang)), "at": format_local(e.at, lang, zone)}
                for e in fund.entries
            ],
            categories=FUND_CATEGORIES,
            may_spend=may_record_spending(viewer.actor, path),
            may_budget=may_set_budget(viewer.actor, path),
        )

    @get("/funds.csv", name="console.funds_csv")
    async def fund_csv(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        code = request.query_params.get("org_unit") or viewer.unit.code
        year = _year(request, db_session)
        fund = await funds.report(db_session, viewer.actor, code, year)
        tr = translator(language(request))
        rows = []
        for entry in fund.entries:
            words = _entry_words(entry, tr)
            rows.append(
                [
                    format_csv(entry.at, runtime.settings.timezone),
                    fund.name,
                    words["category"],
                    f"{entry.amount_cny:.2f}",
                    entry.note,
                    words["source"],
                    entry.recorded_by_name or "",
                ]
            )
        columns = [tr(c if c != "fc" else "category") for c in LEDGER_COLUMNS]
        return csv_download(columns, rows, f"funds-{fund.org_unit}-{year}.csv")

    @post("/funds/entries", name="console.spend", status_code=303)
    async def spend(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        body = await forms.read(request, runtime, SpendingCreate)
        await funds.record_spending(db_session, viewer.actor, body, "console")
        return redirect(request, "console.funds", {"org_unit": body.org_unit})

    @post("/funds/budget", name="console.budget", status_code=303)
    async def budget(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        body = await forms.read(request, runtime, BudgetSet)
        await funds.set_budget(db_session, viewer.actor, body.org_unit, body.year, body.budget_cny)
        return redirect(request, "console.funds", {"org_unit": body.org_unit, "year": body.year})

    @get("/organisations", name="console.organisations")
    async def organisations(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        kind = request.query_params.get("kind") or None
        if kind is not None and kind not in ORGANISATION_KINDS:
            raise Refusal("invalid_request", "No such kind.", 400)
        q = (request.query_params.get("q") or "")[:80] or None
        within = request.query_params.get("org_unit") or None
        units = await visible_units(db_session, viewer.actor)
        number = page_number(request)
        rows = await register.search(
            db_session, viewer.actor, kind, within, q, PAGE + 1, (number - 1) * PAGE
        )
        kept = {"kind": kind or "", "q": q or "", "org_unit": within or ""}
        return page(
            request,
            runtime,
            "organisations.html",
            viewer,
            rows=rows[:PAGE],
            pager=pager(request, number, len(rows) > PAGE, kept),
            figures=await register.figures(
                db_session, viewer.actor, runtime.settings.timezone, within
            ),
            kinds=ORGANISATION_KINDS,
            kind=kind,
            q=q or "",
            within=within,
            all_units=[u for u in units if u.level != "community" or len(units) < 30],
            units=[u for u in units if may_register_organisation(viewer.actor, u.path)],
        )

    @post("/organisations", name="console.add_organisation", status_code=303)
    async def add_organisation(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        form = await forms.read_form(request, runtime)
        # The members come one name a line; the API takes them as a list.
        names = [n.strip() for n in form.get("members", "").splitlines() if n.strip()]
        body = forms.parse(form, OrganisationCreate, members=names)
        created = await register.create(db_session, viewer.actor, body)
        return redirect(request, "console.organisation", organisation_id=created.id)

    @get("/organisations/{organisation_id:uuid}", name="console.organisation")
    async def organisation(
        self,
        request: Request,
        organisation_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Template:
        found = await register.detail(db_session, viewer.actor, organisation_id)
        unit = next(
            u for u in await visible_units(db_session, viewer.actor) if u.code == found.org_unit
        )
        return page(
            request,
            runtime,
            "organisation.html",
            viewer,
            o=found,
            may_add=may_record_activity(viewer.actor, unit.path),
            today=to_local(utcnow(), runtime.settings.timezone).date().isoformat(),
        )

    @post(
        "/organisations/{organisation_id:uuid}/activities",
        name="console.add_activity",
        status_code=303,
    )
    async def add_activity(
        self,
        request: Request,
        organisation_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Response:
        body = await forms.read(request, runtime, ActivityCreate)
        await register.add_activity(db_session, viewer.actor, organisation_id, body)
        return redirect(request, "console.organisation", organisation_id=organisation_id)


def _entry_words(entry, tr) -> dict:
    return {
        "amount": f"{entry.amount_cny:,.2f}",
        "category": tr("fc_" + entry.category),
        "source": tr("src_" + entry.source),
        "note": entry.note,
        "who": entry.recorded_by_name or "—",
    }
