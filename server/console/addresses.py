"""The address library's admin page (标准地址库): what it holds, a street's stretches, and the
import of a real one from CSV (replacing it whole; a bad row refuses the file with the page
naming its line, and nothing changes). A skin over server/addresses."""

from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from server.addresses import service as addresses
from server.console import forms
from server.console.session import flash_cookie, language, page
from server.console.strings import translator
from server.console.urls import redirect
from server.deps import Runtime_, Session, Viewer
from server.errors import Refusal
from server.org.service import all_units
from shared.levels import may_keep_address_library

MAX_BYTES = 8 * 1024 * 1024  # a district's library is a few thousand lines


class AddressLibrary(Controller):
    """/console/admin/addresses: managers read it, a district admin imports it."""

    path = "/admin/addresses"

    async def _context(self, db_session, viewer, q: str) -> dict:
        if not viewer.actor.is_manager:
            raise Refusal("forbidden", "Managers only.", 403)
        units = await all_units(db_session)
        found = await addresses.of_street(db_session, q) if q else []
        rows = [
            {
                "street": s.street,
                "community": units[s.community_id].name if s.community_id in units else "",
                "code": units[s.community_id].code if s.community_id in units else "",
                "first": s.first,
                "last": s.last,
            }
            for s in found
        ]
        return {
            "summary": await addresses.summary(db_session),
            "q": q,
            "rows": rows,
            "may_import": may_keep_address_library(viewer.actor),
        }

    @get("/", name="console.addresses")
    async def library(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        q = request.query_params.get("q", "").strip()[:60]
        context = await self._context(db_session, viewer, q)
        return page(request, runtime, "admin_addresses.html", viewer, **context)

    @post("/", name="console.import_addresses", status_code=303)
    async def import_csv(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        data = await forms.read_file(request, runtime, "file", MAX_BYTES)
        context = await self._context(db_session, viewer, "")
        try:
            if len(data) > MAX_BYTES:
                raise addresses.BadRow(1, "too_big", f"{MAX_BYTES // 1024 // 1024} MB")
            done = await addresses.replace(db_session, viewer.actor, data)
        except addresses.BadRow as bad:
            tr = translator(language(request))
            said = tr("address_bad_row", line=bad.line, reason=tr("ar_" + bad.reason))
            if bad.value:
                said += (
                    f"（{bad.value[:80]}）" if language(request) == "zh" else f" ({bad.value[:80]})"
                )
            # The page again, the library as it was, and the line named beside the file.
            forms.refuse_inside(request, "admin_addresses.html", "file", **context, bad=said)
            raise
        shown = redirect(request, "console.addresses")
        shown.cookies.append(
            flash_cookie(
                "done_addresses",
                stretches=str(done.stretches),
                streets=str(done.streets),
                communities=str(done.communities),
            )
        )
        return shown
