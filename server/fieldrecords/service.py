"""Writing a field record: the steps every append-only record from a phone goes through.

A kind of record says what is its own (`FieldRecordKind`: its table, who may make it, its
columns, what the audit notes, any further rule); `save` takes it through the steps all kinds
share, in this order, and every step refuses before anything is written:

1. the same id already there: the same record sent again (a retry, a replay) is answered with
   the stored one and changes nothing; another person's record under that id is refused
   (`duplicate_id`, 409);
2. the resident, if the actor sees them (`not_found` otherwise, never telling which);
3. the permission, a function of `shared/permissions.py` (`out_of_scope` in the kind's words);
4. the kind's further rules (a visit it names, a catalogue code, the fund it draws on);
5. the row, with the columns all kinds have (`server/fieldrecords/columns.py`), and for a
   table with proof columns the proof kept, whether the device's signature verified, and the
   blobs it names noted (`server/blobs/proof.py`);
6. the audit entry.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import service as audit
from server.blobs.proof import proof_columns, reference
from server.clock import utcnow
from server.effects import ServerEffect
from server.errors import Refusal
from server.feed.lookup import append, find
from server.fieldrecords.columns import FieldRecord, Proven
from server.org.service import unit_path
from server.residents.service import get_visible
from server.residents.tables import Resident
from shared.mutations import REGISTRY
from shared.permissions import Actor


class FieldArgs(Protocol):
    """What a field record's mutation carries at least (its proof too, if the table keeps it)."""

    id: UUID  # the record's id, made on the phone
    resident_id: UUID  # whom it is about
    at: datetime  # when it was made


# A further rule of one kind: (session, actor, the mutation's arguments, the resident) → None,
# or Refusal. Rules run after the permission, in order; only the last may write (a fund's
# charge), since a refusal after a write would leave it behind.
Rule = Callable[[AsyncSession, Actor, Any, Resident], Awaitable[None]]


def _no_detail(_args: Any) -> dict[str, Any]:
    return {}


_DECLARED: dict[str, "FieldRecordKind"] = {}  # mutation name → kind, as the domains declare them


@dataclass(frozen=True)
class FieldRecordKind:
    """One kind of field record: what `save` needs to know that the others do not share."""

    table: type[FieldRecord]  # its table; with the Proven columns too if it takes proof
    action: str  # the mutation that makes it ("checkin.record"), also the audit action
    author: str  # the column of who made it ("worker_id", "mentor_id")
    may: Callable[[Actor, str, Resident], bool]  # (actor, resident's community path, resident)
    refusal: str  # what the person is told when `may` says no
    columns: Callable[[Any, Actor], dict[str, Any]]  # its own columns, from args and actor
    detail: Callable[[Any], dict[str, Any]] = _no_detail  # what its audit entry notes
    rules: tuple[Rule, ...] = ()  # further rules, after the permission
    # Its rules read only the rows a push prefetches (the resident, a visit named) and write
    # nothing themselves: a push of these alone may take the lean path (server/sync/lean_push.py).
    lean: bool = False

    def __post_init__(self) -> None:
        _DECLARED[self.action] = self

    @property
    def entity(self) -> str:
        """The record's name in the audit trail and in blob references: its table's."""
        return self.table.__tablename__

    @property
    def takes_proof(self) -> bool:
        return issubclass(self.table, Proven)


def effects() -> dict[type, ServerEffect]:
    """The push's server effect of every declared kind, keyed by its mutation's args: `save`
    of that kind. A field record's mutation needs no effect written for it."""

    def effect_of(kind: FieldRecordKind) -> ServerEffect:
        async def effect(session: AsyncSession, actor: Actor, args: Any, _stamp: str):
            await save(session, actor, kind, args)
            return []

        effect.__name__ = effect.__qualname__ = f"save_{kind.table.__tablename__}"
        return effect

    undeclared = [kind.action for kind in kinds() if kind.action not in REGISTRY]
    if undeclared:
        raise ValueError(f"{', '.join(undeclared)}: a field record kind for an undeclared mutation")
    return {REGISTRY[kind.action].args: effect_of(kind) for kind in kinds()}


def kinds() -> list[FieldRecordKind]:
    """Every kind declared so far: each domain declares its own when its module is imported
    (all of them are once the push's effects are, `server/sync/effects.py`)."""
    return list(_DECLARED.values())


async def save(session: AsyncSession, actor: Actor, kind: FieldRecordKind, args: FieldArgs) -> Any:
    """The record made (or, sent again, the one already stored): see the module's steps."""
    existing = await find(session, kind.table, args.id)
    if existing is not None:
        if getattr(existing, kind.author) != actor.user_id:
            raise Refusal("duplicate_id", "A different record already has this id.", 409)
        return existing  # the same record sent again: append-only, nothing to change
    resident = await get_visible(session, actor, args.resident_id)
    if not kind.may(actor, await unit_path(session, resident.community_id), resident):
        raise Refusal("out_of_scope", kind.refusal)
    for rule in kind.rules:
        await rule(session, actor, args, resident)
    values = {
        "id": args.id,
        "resident_id": resident.id,
        "community_id": resident.community_id,
        kind.author: actor.user_id,
        "at": args.at,
        **kind.columns(args, actor),
        "created_at": utcnow(),
    }
    if kind.takes_proof:
        values.update(proof_columns(session, args.proof))
    row = await append(session, kind.table, values)
    if kind.takes_proof:
        reference(session, kind.entity, args.id, args.proof)
    audit.record(
        session,
        actor,
        kind.action,
        kind.entity,
        args.id,
        resident.community_id,
        **kind.detail(args),
    )
    return row
