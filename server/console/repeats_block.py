"""The request page's 回访 and repeat parts: whether the viewer may call back or merge, the
earlier request a repeat points at, the main request of a merged one, and other requests at
the same address about the same category (flagged, not merged by themselves)."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import utcnow
from server.hotline import service as hotline
from server.hotline.queries import reader
from server.hotline.schemas import RequestDetailPublic
from server.hotline.tables import REQUEST, HotlineRequest
from shared.hotline_access import HOTLINE_STAFF, may_call_back
from shared.permissions import Actor

CALLED_BACK_FROM = ("feedback_given", "closed")
MERGES_FROM = ("received", "dispatched")


async def context(session: AsyncSession, actor: Actor, shown: RequestDetailPublic) -> dict:
    """What request.html needs for its 回访 form, its merge form and its repeat flags."""
    readers = await reader(session, actor)

    async def seen(request_id: Any) -> HotlineRequest | None:
        found = await session.get(HotlineRequest, request_id) if request_id else None
        return found if found is not None and readers.reads(REQUEST, found) else None

    row = await session.get(HotlineRequest, shown.id)
    earlier = await seen(shown.repeat_of)
    same_address = [
        r
        for r in await hotline.same_address(session, row, utcnow())
        if readers.reads(REQUEST, r) and r.id != shown.repeat_of
    ]
    # The form is offered to the hotline's staff; the service asks `may_merge_request` of
    # both requests when it is sent.
    may_merge = (
        actor.role in HOTLINE_STAFF
        and shown.merged_into is None
        and shown.status in MERGES_FROM
        and (earlier is not None or bool(same_address))
    )
    return {
        "may_call_back": may_call_back(actor)
        and shown.merged_into is None
        and shown.status in CALLED_BACK_FROM,
        "earlier": earlier,
        "main": await seen(shown.merged_into),
        "same_address": same_address,
        "may_merge": may_merge,
    }
