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
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from shared.permissions import Actor

# Reads one attribute of a record's state (old or new) by name: keys are computed from it.
Getter = Callable[[str], Any]


@dataclass(frozen=True)
class Place:
    """What a scope rule may need besides the actor and the row: the org tree, and now."""

    units: Mapping[UUID, Any]  # unit id → unit (with its `path`)
    now: datetime | None = None

    def path(self, unit_id: UUID | None) -> str:
        """The path of a unit, "" for none (a path nothing contains)."""
        unit = self.units.get(unit_id) if unit_id is not None else None
        return unit.path if unit is not None else ""


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
