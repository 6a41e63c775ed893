"""Repeats and merges: a dispatcher merges a repeat (副单) into its main request (主单). The
repeat closes as merged and points at its main request, which counts a 催办."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import Refusal
from server.hotline import timeline
from server.hotline.holidays import span_hours
from server.hotline.intake import move
from server.hotline.queries import community_path, holder_path, locked, visible
from server.hotline.schemas import RequestAction
from server.hotline.tables import HotlineRequest
from shared.hotline_access import may_merge_request
from shared.permissions import Actor


async def merge(
    session: AsyncSession, actor: Actor, repeat_id: UUID, main_id: UUID, now: datetime
) -> HotlineRequest:
    """Merge the repeat into the main request (`may_merge_request` on both). Only a request
    nobody has worked yet (received or dispatched) merges; a main request is never itself
    merged. Returns the repeat, closed."""
    repeat = await visible(session, actor, repeat_id)
    main = await visible(session, actor, main_id)
    await locked(session, repeat.id, main.id)
    for request in (repeat, main):
        if not may_merge_request(
            actor, await community_path(session, request), await holder_path(session, request)
        ):
            raise Refusal("forbidden", "Only the hotline's dispatchers merge requests.")
    if repeat.id == main.id:
        raise Refusal("same_request", "A request cannot be merged into itself.", 422)
    if main.merged_into is not None:
        raise Refusal("merged", "That request was merged itself: name its main request.", 422)
    if repeat.merged_into is not None:
        raise Refusal("merged", "This request is merged already.", 409)
    if await session.scalar(
        select(HotlineRequest.id).where(HotlineRequest.merged_into == repeat.id).limit(1)
    ):
        raise Refusal("is_main", "Other requests are merged into this one: it stays open.", 422)
    limit = span_hours(repeat)
    move(repeat, "merge", now, limit)
    repeat.merged_into = main.id
    repeat.closed_at = now
    timeline.record(
        session,
        repeat,
        actor,
        RequestAction.MERGED,
        now,
        main_id=str(main.id),
        main_number=main.number,
    )
    main.urges += 1
    timeline.record(
        session,
        main,
        actor,
        RequestAction.URGED,
        now,
        repeat_id=str(repeat.id),
        repeat_number=repeat.number,
        urges=main.urges,
    )
    return repeat
