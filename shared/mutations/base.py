"""What a mutation is: its name, its argument schema, who may send it, its effect on the phone.

Each domain declares its mutations once, with `declare`, in a module of this package; the
registry (`shared.mutations.REGISTRY`) gathers them. The server adds one effect per name
(`server/sync/effects.py`), and a test fails when any part of any mutation is missing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec

from shared.enums import Role
from shared.instants import Instant, Timed

Text = Annotated[str, msgspec.Meta(max_length=4000)]
Short = Annotated[str, msgspec.Meta(max_length=200)]
# A catalogue code (service.water, elderly.care …) and a person's name, as long as their columns.
Code = Annotated[str, msgspec.Meta(max_length=60)]
Name = Annotated[str, msgspec.Meta(max_length=80)]
PhoneNumber = Annotated[str, msgspec.Meta(max_length=40)]
# A blob's name: the SHA-256 of its bytes, 64 lowercase hex digits.
Sha256 = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
MAX_PROOF_PHOTOS = 20


class Args(Timed, forbid_unknown_fields=True, kw_only=True):
    """The arguments of one mutation; unknown members are refused, times checked."""


class Location(Args, kw_only=True):
    """Where the phone was when the record was made, and how sure it was."""

    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]
    accuracy_m: Annotated[float, msgspec.Meta(ge=0, le=1_000_000)]
    at: Instant


class Proof(Args, kw_only=True):
    """Proof of a visit: photos and the resident's signature (blobs, uploaded first), the
    place, and the device's Ed25519 signature over the mutation's arguments."""

    photos: Annotated[list[Sha256], msgspec.Meta(max_length=MAX_PROOF_PHOTOS)] = []
    signature: Sha256 | None = None
    location: Location | None = None
    device_signature: Annotated[str, msgspec.Meta(max_length=200)] | None = None

    def blobs(self) -> list[str]:
        """Every blob the proof names, each once."""
        named = [*self.photos, *([self.signature] if self.signature else [])]
        return list(dict.fromkeys(named))


# The phone's read access to its own copy: (entity, id) -> the record's data, or None.
View = Callable[[str, str], dict[str, Any] | None]
# One record a mutation writes on the phone: entity, id, the record after (None: gone).
LocalWrite = tuple[str, str, dict[str, Any] | None]
Optimistic = Callable[[View, Any, str], list[LocalWrite]]


@dataclass(frozen=True)
class MutationSpec:
    """Everything the phone, the server's push and the docs need to know of one mutation."""

    name: str  # on the wire, e.g. "checkin.record"
    args: type[Args]  # the argument schema
    senders: frozenset[Role]  # the roles whose phones may send it at all
    optimistic: Optimistic  # what it does to the phone's copy before the server answers
    only_when: str  # the rule on the record's facts that the server checks, in words
    effect: str  # what it does, in words
    record: str | None = None  # the entity its `id` argument names, if it has one

    def __post_init__(self) -> None:
        if not self.senders:
            raise ValueError(f"mutation {self.name!r} names no sender")


def declare(
    name: str,
    args: type[Args],
    senders: set[Role],
    optimistic: Optimistic,
    *,
    only_when: str,
    effect: str,
    record: str | None = None,
) -> MutationSpec:
    return MutationSpec(name, args, frozenset(senders), optimistic, only_when, effect, record)


def wire(value: Any) -> Any:
    """A typed value as the JSON builtins it travels and is stored as."""
    return msgspec.to_builtins(value)
