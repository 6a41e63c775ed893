"""The console's visit page: what was done at the door and its proof (photos, the resident's
signature, the place and its distance from home, whether the device signed it), with the
supervisor's approve / send back; and the photos themselves, served with the API's scope rule."""

import uuid

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath
from litestar.response import Redirect, Template

from server.blobs.routes import blob_response
from server.blobs.uploads import check_name
from server.console.pages import Runtime_, Session, Viewer
from server.console.proof_view import proof_view
from server.console.session import (
    ERROR_PAGES,
    LoginRequired,
    language,
    page,
    provide_viewer,
    read_form,
    to_login,
)
from server.errors import Refusal
from server.org.service import unit_path
from server.visits import service as visits
from server.visits.records import visit_with_records
from shared import mutations as m
from shared.localtime import format_local
from shared.permissions import may_decide_visit


class VisitPages(Controller):
    path = "/console"
    include_in_schema = False
    dependencies = {"viewer": Provide(provide_viewer)}
    exception_handlers = {LoginRequired: to_login, **ERROR_PAGES}

    @get("/visits/{visit_id:uuid}")
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

        def proof(record):
            return proof_view(record.proof, record.signed, resident, lang, zone)

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

    @post("/visits/{visit_id:uuid}/decide", status_code=303)
    async def decide(
        self,
        request: Request,
        visit_id: FromPath[uuid.UUID],
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
    ) -> Redirect:
        form = await read_form(request, runtime)
        decision = form.get("decision")
        if decision not in ("approve", "reject"):
            raise Refusal("invalid_request", "Approve or send back.", 400)
        args = m.ApprovalDecide(
            visit_id=visit_id, decision=decision, reason=form.get("reason", "").strip() or None
        )
        await visits.decide(db_session, viewer.actor, args)
        return Redirect(path=f"/console/visits/{visit_id}", status_code=303)

    @get("/blobs/{sha256:str}")
    async def blob(
        self, sha256: FromPath[str], db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        check_name(sha256)
        return await blob_response(db_session, runtime, viewer.actor, sha256)
