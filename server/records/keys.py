"""Sync keys: the kinds of place a record is filed under in the feed, and what a phone reads.

A record's declaration files each state of it under keys (`key("community", id)` →
`c:<id>`); a phone subscribes to the keys its role is granted in `shared.permissions.PHONE_REACH`
(`subscription`). The two meet in the feed: an entry reaches the phones whose subscription
holds one of its keys, and the record's scope rule then decides put or delete.
"""

import hashlib
from collections.abc import Callable, Mapping
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


class PerTree:
    """Answers computed from one org tree (the process's cached `units`, replaced by a new
    dict whenever it is reloaded), kept until the tree is replaced: an actor's subscription,
    each unit's path. A push asks them of every mutation it applies and a pull of every record
    it sends; walking the tree's hundred ORM objects each time was most of a push's CPU.
    A new tree starts afresh (the old one is held until then, so `is` never matches a new
    dict at an old address); so does a full memo."""

    MAX = 10_000

    def __init__(self) -> None:
        self.units: Any = None
        self.found: dict[Any, Any] = {}

    def get(self, units: Mapping[UUID, Any], key: Any, compute: Callable[[], Any]) -> Any:
        if units is not self.units or len(self.found) >= self.MAX:
            self.units, self.found = units, {}
        found = self.found.get(key, self)
        if found is self:
            found = self.found[key] = compute()
        return found


_SUBSCRIBED = PerTree()
_PATHS = PerTree()


def subscribed(actor: Actor, units: Mapping[UUID, Any]) -> frozenset[str]:
    """`subscription` as a set, remembered for the tree it was computed on."""
    who = (actor.user_id, actor.role, actor.unit_path)  # all a subscription depends on
    return _SUBSCRIBED.get(units, who, lambda: frozenset(subscription(actor, units)))


def paths(units: Mapping[UUID, Any]) -> dict[UUID, str]:
    """Each unit's path by its id, remembered for the tree."""
    return _PATHS.get(units, None, lambda: {i: u.path for i, u in units.items()})


def fingerprint(keys: list[str]) -> str:
    """Changes when the actor's scope does; a cursor made under another scope is expired."""
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:12]
