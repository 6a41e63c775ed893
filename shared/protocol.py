"""The sync wire protocol, version 1: every message between phone and server, in one module.

Sequence numbers: each device numbers its mutations 1, 2, 3, … without gaps, in the order it
made them. The server stores, in the same transaction as their effects, the highest seq it has
applied for the device (`last_seq`); a mutation with seq ≤ last_seq is a duplicate.

Cursor: opaque to the phone. It names a position (commit version, ordinal) in the server's
change feed; a pull returns the changes whose position is strictly greater, in position order.
Commit versions are handed out in commit order, so no change can appear below a position that a
pull has already passed.
"""

from typing import Annotated, Any, Literal

import msgspec

PROTOCOL_VERSION = 1
MAX_MUTATIONS_PER_PUSH = 500
MAX_PUSH_BYTES = 1024 * 1024
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 5000

MutationStatus = Literal["applied", "duplicate", "rejected"]
ChangeOp = Literal["put", "delete"]


class Mutation(msgspec.Struct, forbid_unknown_fields=True):
    seq: Annotated[int, msgspec.Meta(ge=1)]  # the device's number of this mutation, from 1, no gaps
    name: str  # what to do, e.g. "checkin.record"; see docs/sync.md for every name
    args: dict[str, Any]  # the mutation's arguments, checked against its schema by the server
    hlc: str  # the phone's hybrid logical clock when the mutation was made


class PushRequest(msgspec.Struct, forbid_unknown_fields=True):
    protocol: Literal[1]  # the protocol version the phone speaks (another: 426, unread)
    device_id: str  # the device the mutations come from; must be the token's device
    # consecutive seqs (else 422); more than MAX_MUTATIONS_PER_PUSH is 413, unread
    mutations: Annotated[list[Mutation], msgspec.Meta(max_length=MAX_MUTATIONS_PER_PUSH)]


class MutationError(msgspec.Struct):
    code: str  # snake_case reason, e.g. "visit_closed", "out_of_scope"
    message: str  # the reason in words the app can show to a person


class Conflict(msgspec.Struct):
    entity: str  # which kind of record
    id: str  # the record's id
    field: str  # the field both sides changed
    yours: Any  # the value this device wrote, which did not stand
    kept: Any  # the value that stands


class MutationResult(msgspec.Struct, omit_defaults=True):
    seq: int  # the mutation this answers
    status: MutationStatus  # applied now, applied before (duplicate), or refused for good
    error: MutationError | None = None  # why, when rejected
    conflicts: list[Conflict] = []  # fields where this device's value did not stand


class PushResponse(msgspec.Struct):
    last_seq: int  # the highest seq applied (or rejected) for the device, committed
    results: list[MutationResult]  # one per mutation of the request, in order


class Change(msgspec.Struct, omit_defaults=True):
    op: ChangeOp  # put: the record as it is now; delete: drop it from the phone
    entity: str  # which kind of record
    id: str  # the record's id
    data: dict[str, Any] | None = None  # the record's fields, with put


class PullResponse(msgspec.Struct):
    cursor: str  # where the next pull starts; opaque
    has_more: bool  # true while further pages wait; pull again at once
    last_seq: int  # the device's last applied seq: drop outbox entries up to it
    server_hlc: str  # the server's clock, for the phone to move its own forward
    changes: list[Change]  # at most `limit`, in feed order
    estimated_total: int | None = None  # about how many changes remain from the request cursor
