"""Sync keys: the kinds of place a record is filed under in the feed, and what a phone reads.

A record's declaration files each state of it under keys (`key("community", id)` →
`c:<id>`); a phone subscribes to the keys its role is granted in `shared.permissions.PHONE_REACH`
(`subscription`). The two meet in the feed: an entry reaches the phones whose subscription
holds one of its keys, and the record's scope rule then decides put or delete.
"""

import hashlib
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from shared.orgtree import contains
from shared.permissions import (
    EVERYONE,
    OWN_UNIT,
    SELF,
    SUBTREE,
    Actor,
    at_district_level,
    phone_reach,
)

# Each kind of key and its prefix in the feed (`feed_entry.key`); the wire never shows them.
KINDS: dict[str, str] = {
    "catalogue": "g",
    "assigned": "u",
    "mentored": "m",
    "unit": "o",
    "community": "c",
    "work": "v",
}
# Work not yet placed in any unit (a request before it is placed) is filed under this key and
# reaches those whose reach for "work" is the whole district.
UNPLACED = "unplaced"


def key(kind: str, value: Any = None) -> str:
    """The key of a kind for one place (a unit's or a person's id); the catalogue has one key."""
    prefix = KINDS[kind]
    return prefix if value is None else f"{prefix}:{value}"


def subscription(actor: Actor, units: Mapping[UUID, Any]) -> list[str]:
    """The feed keys whose entries may concern this actor, as its role's reach grants them."""
    keys: set[str] = set()
    for kind in KINDS:
        reach = phone_reach(actor, kind)
        if reach == EVERYONE:
            keys.add(key(kind))
        elif reach == SELF:
            keys.add(key(kind, actor.user_id))
        elif reach == OWN_UNIT:
            keys.update(key(kind, u.id) for u in units.values() if u.path == actor.unit_path)
        elif reach == SUBTREE:
            keys.update(
                key(kind, u.id) for u in units.values() if contains(actor.unit_path, u.path)
            )
            if kind == "work" and at_district_level(actor):
                keys.add(key(kind, UNPLACED))
    return sorted(keys)


def fingerprint(keys: list[str]) -> str:
    """Changes when the actor's scope does; a cursor made under another scope is expired."""
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:12]
