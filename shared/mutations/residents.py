"""Editing a resident's details: merged field by field, the later clock wins, the loser kept."""

from typing import Any
from uuid import UUID

from shared.enums import Role
from shared.mutations.base import Args, LocalWrite, PhoneNumber, Short, Text, View, declare


class ResidentFields(Args, kw_only=True, omit_defaults=True):
    phone: PhoneNumber | None = None
    address: Short | None = None
    notes: Text | None = None
    living_alone: bool | None = None


class ResidentUpdate(Args, kw_only=True):
    id: UUID
    fields: ResidentFields
    # extension: the values the phone saw before the edit
    base: dict[str, str | bool | int | float | None] | None = None


def resident_fields_set(fields: ResidentFields) -> dict[str, Any]:
    """The fields a resident.update actually sets (absent and null fields are left alone)."""
    return {
        f: getattr(fields, f) for f in fields.__struct_fields__ if getattr(fields, f) is not None
    }


def _update(view: View, args: ResidentUpdate, _user: str) -> list[LocalWrite]:
    resident = view("resident", str(args.id))
    if resident is None:
        return []
    return [("resident", str(args.id), {**resident, **resident_fields_set(args.fields)})]


SPECS = [
    declare(
        "resident.update",
        ResidentUpdate,
        {Role.WORKER, Role.SUPERVISOR, Role.ADMIN},
        _update,
        only_when="the resident in the sender's part of the tree",
        effect="merged field by field; the later clock wins; every value that loses, or is "
        "replaced by an edit whose `base` had not seen it, is logged",
        record="resident",
    ),
]
