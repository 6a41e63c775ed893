"""Synced records, declared once: what the change feed captures and a phone may hold.

Each domain declares its synced records in its `tables.py`, next to the table, with `declare`:
the table, the entity name on the wire, the `…Public` struct that is its `data`, its sync keys
(the feed keys its old and new state are filed under), its scope rule (a function of the actor
and the row that asks `shared/permissions.py`) and its label (a few English words; the console's
words for it are the catalogue's `console.ent_<entity>`). Change capture
(`server/feed/capture.py`) reads the declaration off the table; the sync engine gathers the
domains' declarations (`server/sync/records.py`) for the pull, the scope preview and the docs
table, and a test fails for any part missing.

Nothing here imports a domain: a lower layer that must ask "may this actor hold that record"
(blob downloads) looks the declaration up by entity name (`declared`).

Every read of a synced record, the pull's and every API and console read's, asks a `Reader`:
the phone's scope (a sync key the role subscribes to, and the scope rule), and beyond it only
what `shared.permissions.READS_BEYOND_PHONE` grants a role.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from server.records.keys import KINDS, paths, subscribed
from shared.permissions import Actor, reads_beyond_phone

# Reads one attribute of a record's state (old or new) by name: keys are computed from it.
Getter = Callable[[str], Any]


@dataclass(frozen=True)
class Place:
    """What a scope rule may need besides the actor and the row: the org tree, and now."""

    units: Mapping[UUID, Any]  # unit id → unit (with its `path`)
    now: datetime | None = None

    def path(self, unit_id: UUID | None) -> str:
        """The path of a unit, "" for none (a path nothing contains)."""
        return paths(self.units).get(unit_id, "") if unit_id is not None else ""


# Whether the actor's phone may hold the record as it is now (in `shared.permissions` terms).
ScopeRule = Callable[[Actor, Any, Place], bool]


@dataclass(frozen=True)
class SyncedRecord:
    """One synced record: everything capture, the pull, the scope preview and the docs read."""

    entity: str  # its name in the feed and on the wire, e.g. "visit"
    table: type  # the SQLModel table
    public: type  # the `…Public` struct: its `data` in a pull, the same shape the API answers
    keys: Callable[[Getter], set[str]]  # the sync keys of one state of the record
    sees: ScopeRule  # whether an actor's phone holds it now; its docstring says who, in words
    label: str  # what it is, in a few English words (the docs, the OpenAPI schema)

    def data(self, row: Any) -> dict[str, Any]:
        """The record's `data` in a pull: its public struct filled from a row or an object."""
        return msgspec.to_builtins(self.public.from_row(row))

    def keys_of(self, values: Mapping[str, Any]) -> set[str]:
        return self.keys(values.get)


_DECLARED: dict[str, SyncedRecord] = {}


def declare(
    table: type,
    *,
    entity: str,
    public: type,
    keys: Callable[[Getter], set[str]],
    sees: ScopeRule,
    label: str,
) -> SyncedRecord:
    """Declares a table's records synced: from now on every write to it lands in the feed."""
    record = SyncedRecord(entity, table, public, keys, sees, label)
    known = _DECLARED.get(entity)
    if known is not None and known.table is not table:
        raise ValueError(f"synced record {entity!r} is declared twice")
    _DECLARED[entity] = record
    table.__synced__ = record
    return record


def record_of(table: type) -> SyncedRecord | None:
    """The declaration of a table's records, None for a table that is not synced."""
    return table.__dict__.get("__synced__")


def declared(entity: str) -> SyncedRecord | None:
    """The declaration of an entity, as far as its table has been imported."""
    return _DECLARED.get(entity)


def all_declared() -> dict[str, SyncedRecord]:
    return dict(_DECLARED)


@dataclass(frozen=True)
class Reader:
    """One caller reading synced records: what its phone holds, and what it may read.

    `holds` is the pull's decision (the record is filed under a key the caller's role
    subscribes to, and its scope rule gives it to the caller); `reads` is what every API and
    console read answers: `holds`, or the scope rule alone for a role and entity named in
    `shared.permissions.READS_BEYOND_PHONE`. Lists narrow in SQL with `filed_under` (the
    subscribed keys of a kind) and let `reads` decide each row.
    """

    actor: Actor
    place: Place
    keys: frozenset[str]

    @classmethod
    def of(cls, actor: Actor, units: Mapping[UUID, Any], now: datetime | None = None) -> "Reader":
        return cls(actor, Place(units, now), subscribed(actor, units))

    def holds(self, record: SyncedRecord, row: Any) -> bool:
        """Whether the caller's phone holds the record as it is now."""
        filed = record.keys(lambda name: getattr(row, name, None))
        return bool(filed & self.keys) and record.sees(self.actor, row, self.place)

    def beyond_phone(self, record: SyncedRecord) -> bool:
        """Whether the caller reads this entity by its scope rule alone (wider than its phone)."""
        return reads_beyond_phone(self.actor, record.entity)

    def reads(self, record: SyncedRecord, row: Any) -> bool:
        """Whether an API or console read may show the caller the record."""
        if self.beyond_phone(record):
            return record.sees(self.actor, row, self.place)
        return self.holds(record, row)

    def filed_under(self, kind: str) -> list[Any]:
        """The places (unit or person ids, as UUIDs) of the caller's subscribed keys of a
        kind: what a list's SQL narrows to before `reads` decides each row."""
        prefix = KINDS[kind] + ":"
        found = []
        for value in (k[len(prefix) :] for k in self.keys if k.startswith(prefix)):
            try:
                found.append(UUID(value))
            except ValueError:
                continue  # a place that is no unit (work not yet placed)
        return found
