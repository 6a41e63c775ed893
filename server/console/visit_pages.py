"""The console's visit page: what was done at the door and its proof (photos, the resident's
signature, the place and its distance from home, whether the device signed it), with the
supervisor's approve / send back; and the photos themselves, served with the API's scope rule."""

import uuid
from functools import partial

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.blobs.routes import blob_response
from server.blobs.uploads import check_name
from server.console import forms
from server.console.proof_view import proof_view
from server.console.session import language, page
from server.console.urls import redirect, url
from server.deps import Runtime_, Session, Viewer
from server.org.service import unit_path
from server.visits import service as visits
from server.visits.records import visit_with_records
from shared import mutations as m
from shared.localtime import format_local
from shared.permissions import may_decide_visit


class VisitPages(Controller):
    """A visit and its proof (the console's router supplies the session and the error pages)."""

    @get("/visits/{visit_id:uuid}", name="console.visit")
    async def visit_page(
        self,
        request: Request,
        visit_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Template:
        visit, resident, assignee, checkins, services = await visit_with_records(
            db_session, viewer.actor, visit_id
        )
        lang, zone = language(request), runtime.settings.timezone

        def when(moment) -> str:
            return format_local(moment, lang, zone)

        blob = partial(url, request, "console.blob")

        def proof(record):
            return proof_view(record.proof, record.signed, resident, lang, zone, blob)

        return page(
            request,
            runtime,
            "visit.html",
            viewer,
            v=visit,
            resident=resident,
            assignee=assignee.display_name if assignee else "—",
            when=when,
            proof=proof(visit),
            checkins=[(c, proof(c)) for c in checkins],
            services=[(s, proof(s)) for s in services],
            may_decide=visit.status == "completed"
            and may_decide_visit(viewer.actor, await unit_path(db_session, visit.community_id)),
        )

    @post("/visits/{visit_id:uuid}/decide", name="console.decide_visit", status_code=303)
    async def decide(
        self,
        request: Request,
        visit_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Redirect:
        args = await forms.read(request, runtime, m.ApprovalDecide, visit_id=visit_id)
        await visits.decide(db_session, viewer.actor, args)
        return redirect(request, "console.visit", visit_id=visit_id)

    @get("/blobs/{sha256:str}", name="console.blob")
    async def blob(
        self, sha256: FromPath[str], db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        check_name(sha256)
        return await blob_response(db_session, runtime, viewer.actor, sha256)
