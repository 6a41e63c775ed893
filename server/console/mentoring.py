"""The console's mentoring pages (一帮一): the families mentored in the supervisor's area with
their totals, pairing a mentor with a family and setting the visit rhythm, and one family's
visits and assistance. A skin over `server.mentoring.service`, like the API."""

import uuid
from datetime import UTC, datetime, time

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.service import Principal
from server.console import intake
from server.console.session import (
    ERROR_PAGES,
    LoginRequired,
    page,
    provide_viewer,
    read_form,
    to_login,
)
from server.db.types import utcnow
from server.errors import Refusal
from server.mentoring import service as mentoring
from server.runtime import Runtime
from shared.localtime import zone

Session = NamedDependency[AsyncSession]
Runtime_ = NamedDependency[Runtime]
Viewer = NamedDependency[Principal]


def _uuid(form: dict[str, str], name: str) -> uuid.UUID:
    try:
        return uuid.UUID(form.get(name, "").strip())
    except ValueError:
        raise Refusal("invalid_request", f"{name} must be chosen.", 400) from None


def _first_due(form: dict[str, str], zone_name: str) -> datetime:
    """The first visit's local date (09:00 there), or now."""
    text = form.get("first_due", "").strip()
    if not text:
        return utcnow()
    try:
        day = datetime.fromisoformat(text).date()
    except ValueError:
        raise Refusal("bad_date", "first_due is not a date.", 400) from None
    return datetime.combine(day, time(9), zone(zone_name)).astimezone(UTC)


def _interval(form: dict[str, str]) -> int:
    try:
        days = int(form.get("interval_days", "14").strip() or "14")
    except ValueError:
        raise Refusal("invalid_request", "interval_days is not a number.", 400) from None
    if not 1 <= days <= 366:
        raise Refusal("invalid_request", "interval_days is out of range.", 400)
    return days


class Mentoring(Controller):
    path = "/console/mentoring"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_viewer)}
    exception_handlers = {LoginRequired: to_login, **ERROR_PAGES}

    @get("/")
    async def families(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        families = await mentoring.families(db_session, viewer.actor)
        q = request.query_params.get("q", "").strip()
        return page(
            request,
            runtime,
            "mentoring.html",
            viewer,
            q=q,
            found=await intake.find(db_session, viewer.actor, q, 50),
            families=families,
            mentors=await mentoring.mentors(db_session, viewer.actor),
            totals={
                "visits_done": sum(f.visits_done for f in families),
                "assistance_count": sum(f.assistance_count for f in families),
                "assistance_cny": round(sum(f.assistance_cny for f in families), 2),
            },
        )

    @post("/pair", status_code=303)
    async def pair(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        form = await read_form(request, runtime)
        family = await mentoring.pair(
            db_session,
            viewer.actor,
            _uuid(form, "resident_id"),
            _uuid(form, "mentor_id"),
            _interval(form),
            _first_due(form, runtime.settings.timezone),
        )
        return Redirect(path=f"/console/mentoring/{family.resident_id}", status_code=303)

    @post("/{resident_id:uuid}/end", status_code=303)
    async def end(
        self,
        request: Request,
        resident_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Response:
        await read_form(request, runtime)
        await mentoring.end(db_session, viewer.actor, resident_id)
        return Redirect(path="/console/mentoring", status_code=303)

    @get("/{resident_id:uuid}")
    async def family(
        self,
        request: Request,
        resident_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Template:
        return page(
            request,
            runtime,
            "family.html",
            viewer,
            f=await mentoring.family(db_session, viewer.actor, resident_id),
            mentors=await mentoring.mentors(db_session, viewer.actor),
        )
