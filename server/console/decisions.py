"""The console's part of the levels' decisions: asking for more time (延期申请) on a request's
page, the level above's approve/refuse forms for an extension and for a department's return
(退单审核), and the queue of decisions waiting for the viewer. The forms call the same service
functions as the API (`server/hotline/review.py`)."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.console.strings import translator
from server.console.views import category_names, pace_words
from server.hotline import service as hotline
from server.hotline.queries import holder_path
from server.hotline.review import EXTENDABLE, answering_level
from server.hotline.schemas import DecisionBody, ExtensionBody, ExtensionPublic
from server.hotline.tables import HotlineRequest
from shared.levels import holds_at_level, may_decide_above
from shared.localtime import format_local
from shared.permissions import Actor, at_district_level
from shared.requests import Level, RequestStatus

# The forms: the API's body struct each is read into, and the service call.
STEPS: dict[str, tuple[type, Callable[..., Awaitable[Any]]]] = {
    "extension": (
        ExtensionBody,
        lambda s, actor, rid, b, now: hotline.ask_extension(s, actor, rid, b.days, b.reason, now),
    ),
    "extension_decision": (
        DecisionBody,
        lambda s, actor, rid, b, now: hotline.decide_extension(
            s, actor, rid, b.approve, b.reason, now
        ),
    ),
    "return_decision": (
        DecisionBody,
        lambda s, actor, rid, b, now: hotline.decide_return(
            s, actor, rid, b.approve, b.reason, now
        ),
    ),
}


def _pending(extensions: list[ExtensionPublic]) -> ExtensionPublic | None:
    return next((e for e in extensions if e.status == "pending"), None)


def may_decide_return(actor: Actor, status: str) -> bool:
    return status == RequestStatus.RETURN_REVIEW and actor.is_manager and at_district_level(actor)


async def request_context(
    session: AsyncSession,
    actor: Actor,
    request: HotlineRequest,
    extensions: list[ExtensionPublic],
    lang: str,
    zone: str,
    now: datetime,
) -> dict[str, Any]:
    """What a request's page shows and offers of the decisions: its pace against the limit,
    the warning time, the extensions so far, and the forms the viewer may use."""
    tr = translator(lang)
    holder = await holder_path(session, request)
    level = answering_level(request)
    pending = _pending(extensions)
    return {
        "pace": pace_words(request.due_at, request.warning_at, request.status == "closed", now, tr),
        "warning": format_local(request.warning_at, lang, zone),
        "extensions": [
            {
                "days": e.days,
                "reason": e.reason,
                "status": e.status,
                "asked_at": format_local(e.asked_at, lang, zone),
                "decision_reason": e.decision_reason,
            }
            for e in extensions
        ],
        "may_ask": pending is None
        and request.status in EXTENDABLE
        and level != Level.DISTRICT
        and holds_at_level(actor, level, holder, request.department_id),
        "pending": pending,
        "may_decide_extension": pending is not None
        and may_decide_above(actor, pending.level, holder),
        "may_decide_return": may_decide_return(actor, request.status),
    }


async def waiting_rows(
    session: AsyncSession, actor: Actor, lang: str, zone: str, now: datetime
) -> list[dict[str, Any]]:
    """The requests waiting for the viewer's decision (returns, extensions), in words."""
    tr = translator(lang)
    names = await category_names(session, lang)
    rows = []
    for request in await hotline.pending_decisions(session, actor):
        pending = _pending(await hotline.extensions(session, request.id))
        rows.append(
            {
                "id": request.id,
                "number": request.number,
                "category": names.get(request.category_code, request.category_code),
                "status": request.status,
                "due": format_local(request.due_at, lang, zone, now=now),
                "pace": pace_words(request.due_at, request.warning_at, False, now, tr),
                "extension": pending
                if pending
                and may_decide_above(actor, pending.level, await holder_path(session, request))
                else None,
                "return": may_decide_return(actor, request.status),
            }
        )
    return rows
