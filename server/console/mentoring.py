"""The console's mentoring pages (一帮一): the families mentored in the supervisor's area with
their totals, pairing a mentor with a family and setting the visit rhythm, and one family's
visits and assistance. A skin over `server.mentoring.service`, like the API."""

import uuid
from datetime import UTC, datetime, time

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from server.clock import utcnow
from server.console import forms, intake
from server.console.session import page
from server.console.urls import redirect
from server.deps import Runtime_, Session, Viewer
from server.errors import Refusal
from server.mentoring import service as mentoring
from server.mentoring.schemas import DifficultyBody, PairBody
from shared.catalogue import DIFFICULTIES
from shared.localtime import zone


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


class Mentoring(Controller):
    """The mentoring pages (the console's router supplies the session and the error pages)."""

    path = "/mentoring"

    @get("/", name="console.mentoring")
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

    @post("/pair", name="console.pair", status_code=303)
    async def pair(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        form = await forms.read_form(request, runtime)
        # The form's first visit is a local date; the API's, a moment.
        body = forms.parse(form, PairBody, first_due=_first_due(form, runtime.settings.timezone))
        family = await mentoring.pair(
            db_session,
            viewer.actor,
            body.resident_id,
            body.mentor_id,
            body.interval_days,
            body.first_due or utcnow(),
        )
        return redirect(request, "console.family", resident_id=family.resident_id)

    @post("/{resident_id:uuid}/end", name="console.end_pairing", status_code=303)
    async def end(
        self,
        request: Request,
        resident_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Response:
        await forms.read_form(request, runtime)
        await mentoring.end(db_session, viewer.actor, resident_id)
        return redirect(request, "console.mentoring")

    @post("/{resident_id:uuid}/difficulty", name="console.family_difficulty", status_code=303)
    async def difficulty(
        self,
        request: Request,
        resident_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Response:
        form = await forms.read_form(request, runtime)
        body = forms.parse(form, DifficultyBody, difficulty=form.get("difficulty", "").strip())
        await mentoring.set_difficulty(db_session, viewer.actor, resident_id, body.difficulty)
        return redirect(request, "console.family", resident_id=resident_id)

    @get("/{resident_id:uuid}", name="console.family")
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
            difficulties=DIFFICULTIES,
        )
