"""Append-only records made at the door: check-ins, services delivered, assistance given.

They never conflict: each has its own id, made on the phone, and is written once.
"""

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from shared.enums import Role
from shared.mutations.base import (
    Args,
    Code,
    Instant,
    LocalWrite,
    Proof,
    Short,
    Text,
    View,
    declare,
    wire,
)


class CheckinRecord(Args, kw_only=True):
    id: UUID
    resident_id: UUID
    visit_id: UUID | None = None
    at: Instant
    seen_in_person: bool
    wellbeing: Literal["good", "fair", "poor", "emergency"]
    notes: Text = ""
    needs: Text | None = None  # extension: what the resident says they need
    home_safety: dict[str, bool] | None = None  # extension: gas, water, electricity, … checked ok
    proof: Proof | None = None  # photos, signature, place, device signature


class ServiceRecord(Args, kw_only=True):
    id: UUID
    resident_id: UUID
    visit_id: UUID | None = None
    category_code: Code
    at: Instant
    minutes: Annotated[int, msgspec.Meta(ge=0, le=24 * 60)]
    description: Text
    proof: Proof | None = None  # photos, signature, place, device signature


class AssistanceLog(Args, kw_only=True):
    id: UUID
    resident_id: UUID
    at: Instant
    kind: Short
    amount_cny: Annotated[float, msgspec.Meta(ge=0, le=1_000_000)] | None = None
    description: Text


def _checkin(_view: View, args: CheckinRecord, user_id: str) -> list[LocalWrite]:
    record: dict[str, Any] = {
        **wire(args),
        "worker_id": user_id,
        "needs": args.needs or "",
        "home_safety": args.home_safety or {},
        "signed": False,  # the server says whether the device's signature verified
    }
    return [("checkin", str(args.id), record)]


def _service(_view: View, args: ServiceRecord, user_id: str) -> list[LocalWrite]:
    record = {**wire(args), "worker_id": user_id, "signed": False}
    return [("service_record", str(args.id), record)]


def _assistance(_view: View, args: AssistanceLog, user_id: str) -> list[LocalWrite]:
    return [("assistance", str(args.id), {**wire(args), "mentor_id": user_id})]


SPECS = [
    declare(
        "checkin.record",
        CheckinRecord,
        {Role.WORKER, Role.MENTOR},
        _checkin,
        only_when="worker of the resident's community; mentor of the family",
        effect="append-only check-in",
        record="checkin",
    ),
    declare(
        "service.record",
        ServiceRecord,
        {Role.WORKER},
        _service,
        only_when="worker of the resident's community",
        effect="append-only service record",
        record="service_record",
    ),
    declare(
        "assistance.log",
        AssistanceLog,
        {Role.MENTOR},
        _assistance,
        only_when="the family's own mentor; an amount must fit in what is left of the "
        "resident's community fund for the year (else over_budget)",
        effect="append-only assistance entry; its amount is charged to the community's fund",
        record="assistance",
    ),
]
