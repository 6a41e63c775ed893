"""The printable work order (工单) of a request: one A4 page with the request, the caller as
staff see them, its routing, time limit and due time in local time, and room for the
signatures of the person who handled it and the one who checked it. Whoever may read the
request may print it; anyone else is told there is no such request (404)."""

import uuid

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from server.clock import utcnow
from server.console import views
from server.console.session import language, page
from server.console.strings import translator
from server.deps import Runtime_, Session, Viewer
from server.hotline import service as hotline


class WorkOrder(Controller):
    @get("/requests/{request_id:uuid}/work-order", name="console.work_order")
    async def work_order(
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
        category = next(
            (c for c in await hotline.categories(db_session) if c.code == shown.category_code),
            None,
        )
        name = (category.name_zh if lang == "zh" else category.name_en) if category else ""
        return page(
            request,
            runtime,
            "work_order.html",
            viewer,
            r=shown,
            category=name or shown.category_code,
            limit_hours=category.time_limit_hours if category else None,
            # A limit in working days (the official calendar's), where the catalogue has one.
            limit_days=getattr(category, "time_limit_days", None) if category else None,
            timeline=views.timeline_rows(shown.timeline, translator(lang)),
            printed_at=utcnow(),
        )


__all__ = ["WorkOrder"]
