"""The arguments of every sync mutation, as strict schemas shared by phone and server."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

Text = Annotated[str, msgspec.Meta(max_length=4000)]
Short = Annotated[str, msgspec.Meta(max_length=200)]


class _Args(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class CheckinRecord(_Args, kw_only=True):
    id: UUID
    resident_id: UUID
    visit_id: UUID | None = None
    at: datetime
    seen_in_person: bool
    wellbeing: Literal["good", "fair", "poor", "emergency"]
    notes: Text = ""
    needs: Text | None = None  # extension: what the resident says they need
    home_safety: dict[str, bool] | None = None  # extension: gas, water, electricity, … checked ok


class VisitStart(_Args, kw_only=True):
    visit_id: UUID
    at: datetime


class VisitComplete(_Args, kw_only=True):
    visit_id: UUID
    at: datetime
    summary: Text


class ApprovalDecide(_Args, kw_only=True):
    visit_id: UUID
    decision: Literal["approve", "reject"]
    reason: Text | None = None


class ResidentFields(_Args, kw_only=True):
    phone: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    address: Short | None = None
    notes: Text | None = None
    living_alone: bool | None = None


class ResidentUpdate(_Args, kw_only=True):
    id: UUID
    fields: ResidentFields
    base: dict[str, Any] | None = None  # extension: the values the phone saw before the edit


class AssistanceLog(_Args, kw_only=True):
    id: UUID
    resident_id: UUID
    at: datetime
    kind: Short
    amount_cny: Annotated[float, msgspec.Meta(ge=0, le=1_000_000)] | None = None
    description: Text


class VisitAssign(_Args, kw_only=True):
    visit_id: UUID
    assignee_id: UUID


class VisitCancel(_Args, kw_only=True):
    visit_id: UUID
    reason: Text


class ServiceRecord(_Args, kw_only=True):
    id: UUID
    resident_id: UUID
    visit_id: UUID | None = None
    category_code: Short
    at: datetime
    minutes: Annotated[int, msgspec.Meta(ge=0, le=24 * 60)]
    description: Text


class RequestCreate(_Args, kw_only=True):
    """A hotline request started on the worker's phone at the resident's door."""

    id: UUID
    resident_id: UUID
    category_code: Short
    description: Text
    caller_name: Short | None = None  # default: the resident
    caller_phone: Annotated[str, msgspec.Meta(max_length=40)] | None = None


MUTATION_ARGS: dict[str, type[_Args]] = {
    "checkin.record": CheckinRecord,
    "visit.start": VisitStart,
    "visit.complete": VisitComplete,
    "approval.decide": ApprovalDecide,
    "resident.update": ResidentUpdate,
    "assistance.log": AssistanceLog,
    "visit.assign": VisitAssign,
    "visit.cancel": VisitCancel,
    "service.record": ServiceRecord,
    "request.create": RequestCreate,
}


class InvalidArgs(ValueError):
    pass


def parse_args(name: str, args: dict[str, Any]) -> _Args:
    """The typed arguments of a mutation, or InvalidArgs saying what is wrong."""
    schema = MUTATION_ARGS.get(name)
    if schema is None:
        raise InvalidArgs(f"unknown mutation {name!r}")
    try:
        return msgspec.convert(args, schema, strict=False)
    except msgspec.ValidationError as exc:
        raise InvalidArgs(str(exc)) from exc


def resident_fields_set(fields: ResidentFields) -> dict[str, Any]:
    """The fields a resident.update actually sets (absent and null fields are left alone)."""
    return {
        f: getattr(fields, f) for f in fields.__struct_fields__ if getattr(fields, f) is not None
    }
