"""What a phone holds: its feed keys, and whether a record as it is now belongs on it."""

import hashlib
from typing import Any
from uuid import UUID

from server.hotline.tables import UNPLACED_KEY
from server.org.tables import OrgUnit
from shared.orgtree import contains
from shared.permissions import (
    Actor,
    at_district_level,
    sees_record_of_resident,
    sees_request,
    sees_resident,
    sees_visit,
)


def feed_keys(actor: Actor, units: dict[UUID, OrgUnit]) -> list[str]:
    """The feed keys whose entries may concern this actor (see the tables' `feed_keys`)."""
    keys = {"g", f"u:{actor.user_id}"}
    if actor.is_manager:
        for unit in units.values():
            if contains(actor.unit_path, unit.path):
                keys.update({f"c:{unit.id}", f"v:{unit.id}", f"o:{unit.id}"})
        if at_district_level(actor):
            keys.add(UNPLACED_KEY)  # requests not yet placed (see `sees_request`)
    else:
        own = next(u for u in units.values() if u.path == actor.unit_path)
        keys.add(f"o:{own.id}")
        if actor.role == "mentor":
            keys.add(f"m:{actor.user_id}")
        else:
            keys.add(f"c:{own.id}")
    return sorted(keys)


def fingerprint(keys: list[str]) -> str:
    """Changes when the actor's scope does; a cursor made under another scope is expired."""
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:12]


def belongs(actor: Actor, entity: str, row: Any, units: dict[UUID, OrgUnit], now) -> bool:
    """Whether the record, as it is now, is in the actor's scope."""

    def path(unit_id: UUID) -> str:
        unit = units.get(unit_id)
        return unit.path if unit else ""

    match entity:
        case "resident":
            return sees_resident(actor, path(row.community_id), row.mentor_id)
        case "visit":
            return sees_visit(
                actor, path(row.community_id), row.assignee_id, row.status, row.closed_at, now
            )
        case "checkin" | "service_record":
            return actor.role != "mentor" and sees_record_of_resident(
                actor, path(row.community_id), None, None
            )
        case "assistance":
            return sees_record_of_resident(actor, path(row.community_id), None, row.mentor_id)
        case "service_category":
            return True
        case "request":
            placed = path(row.community_id) if row.community_id else None
            holder = path(row.unit_id) if row.unit_id else None
            return sees_request(actor, placed, row.assignee_id, holder, row.department_id)
        case "org_unit":
            return (
                contains(actor.unit_path, row.path)
                if actor.is_manager
                else row.path == actor.unit_path
            )
        case "user":
            unit_path = path(row.org_unit_id)
            return (
                contains(actor.unit_path, unit_path)
                if actor.is_manager
                else unit_path == actor.unit_path
            )
    return False
