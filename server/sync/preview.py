"""What a phone would hold: the pull run from the start for an actor, counted, not sent.

The scope preview walks the same feed with the same keys (`scope.feed_keys`) and decides each
record with the same rule (`scope.belongs`, through the pull's own `changes_for`) as a phone's
first pull: there is no second definition of scope to drift from the first.
"""

from types import SimpleNamespace
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts import service as accounts
from server.org.service import all_units
from server.sync import cursor as cursors
from server.sync import feed_query, scope
from server.sync.records import RECORDS
from server.sync.service import changes_for
from shared.permissions import Actor

PAGE = 2000  # feed rows read at a time


async def holdings(
    session: AsyncSession, actor: Actor, own_unit_id: UUID | None = None
) -> dict[str, set[UUID]]:
    """The ids of every record, by entity, that a phone of this actor pulling from an empty
    store would hold now.

    `own_unit_id`, for a proposed move: the unit the account itself would be in. The feed
    files the account's own record under the unit it is in now, so that one record is judged
    as it would be after the move.
    """
    units = await all_units(session)
    keys = scope.feed_keys(actor, units)
    position = cursors.START
    last: dict[tuple[str, UUID], object] = {}
    while True:
        rows = (await feed_query.page(session, keys, position.version, position.ord, PAGE)).rows
        for row in rows:
            last[(row.entity, row.record_id)] = row
        if len(rows) < PAGE:
            break
        position = cursors.Position(rows[-1].version, rows[-1].ord)
    held: dict[str, set[UUID]] = {entity: set() for entity in RECORDS}
    for change in await changes_for(session, actor, units, list(last.values())):
        if change.op == "put":
            held[change.entity].add(UUID(change.id))
    if own_unit_id is not None:
        moved = SimpleNamespace(org_unit_id=own_unit_id)
        if scope.belongs(actor, "user", moved, units, None):
            held["user"].add(actor.user_id)
        else:
            held["user"].discard(actor.user_id)
    return held


def counts(held: dict[str, set[UUID]]) -> dict[str, int]:
    """{"resident": n, "visit": n, …}: every entity a phone syncs, zero included."""
    return {entity: len(ids) for entity, ids in held.items()}


async def holdings_of(session: AsyncSession, proposed: Actor) -> dict[str, set[UUID]]:
    """What the account's phone would hold as `proposed` (its role and unit, maybe not yet its
    own): the account's own record judged in its proposed unit."""
    unit = next(u for u in (await all_units(session)).values() if u.path == proposed.unit_path)
    return await holdings(session, proposed, own_unit_id=unit.id)


async def scope_change(
    session: AsyncSession, actor: Actor, user_id: UUID, role: str | None, unit_code: str | None
) -> dict[str, dict[str, int]]:
    """The phone's holdings now and after a proposed role or unit, and what would move (who may
    ask, and about whom, is the accounts' rule: `accounts.service.proposed_actor`)."""
    current, proposed = await accounts.proposed_actor(session, actor, user_id, role, unit_code)
    before = await holdings(session, current)
    after = await holdings_of(session, proposed) if proposed != current else before
    return {
        "current": counts(before),
        "proposed": counts(after),
        "arriving": {e: len(after[e] - before[e]) for e in after},
        "leaving": {e: len(before[e] - after[e]) for e in before},
    }
