"""The console's conflict log: a supervisor's area's values that did not stand, each naming the
resident, the field, both values and both people, newest first, a page at a time."""

from litestar import Controller, Request, get
from litestar.response import Template

from server.conflicts import service as conflicts
from server.console.session import language, page
from server.console.strings import translator
from server.deps import Runtime_, Session, Viewer
from server.errors import Refusal
from server.schemas import Offset
from shared.permissions import may_review_conflicts

PAGE = 50


def _value(value, tr) -> str:
    """A field's value as words: yes/no for a flag, a dash for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    return str(value)


class ConflictPages(Controller):
    @get("/conflicts", name="console.conflicts")
    async def conflicts_page(
        self,
        request: Request,
        db_session: Session,
        runtime: Runtime_,
        viewer: Viewer,
        offset: Offset = 0,
    ) -> Template:
        if not may_review_conflicts(viewer.actor):
            raise Refusal("forbidden", "The conflict log is for managers.", 403)
        tr = translator(language(request))
        entries = await conflicts.in_scope(db_session, viewer.actor, PAGE, offset)
        total = await conflicts.count_in_scope(db_session, viewer.actor)
        rows = [
            {
                "at": line.at,
                "resident": line.record_name or "—",
                "resident_id": line.record_id if line.record_name else None,
                "field": tr(f"field_{line.field}"),
                "lost": _value(line.lost_value, tr),
                "kept": _value(line.kept_value, tr),
                "loser": line.loser or tr("conflict_nobody"),
                "winner": line.winner or tr("conflict_nobody"),
            }
            for line in await conflicts.lines(db_session, entries)
        ]
        return page(
            request,
            runtime,
            "conflicts.html",
            viewer,
            rows=rows,
            total=total,
            offset=offset,
            newer=max(offset - PAGE, 0) if offset else None,
            older=offset + PAGE if offset + PAGE < total else None,
        )
