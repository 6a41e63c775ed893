"""What a phone holds: its feed keys, and whether a record as it is now belongs on it.

Both come from the declarations: the keys from the role's reach (`server.records.keys`), the
decision from the record's own scope rule. An entity that no declaration names belongs to
nobody (deny by default).
"""

from typing import Any
from uuid import UUID

from server.records import Place
from server.records.keys import fingerprint, subscription
from server.sync.records import RECORDS
from shared.permissions import Actor

feed_keys = subscription

__all__ = ["belongs", "feed_keys", "fingerprint"]


def belongs(actor: Actor, entity: str, row: Any, units: dict[UUID, Any], now) -> bool:
    """Whether the record, as it is now, is in the actor's scope."""
    record = RECORDS.get(entity)
    return record is not None and record.sees(actor, row, Place(units, now))
