"""A hotline request started on the worker's phone at the resident's door."""

from uuid import UUID

from shared.enums import Role
from shared.mutations.base import (
    Args,
    Code,
    Instant,
    LocalWrite,
    Name,
    PhoneNumber,
    Text,
    View,
    declare,
)


class RequestCreate(Args, kw_only=True):
    id: UUID
    resident_id: UUID
    category_code: Code
    description: Text
    caller_name: Name | None = None  # default: the resident
    caller_phone: PhoneNumber | None = None
    # v3: when the request was raised at the door (its time limit starts then, never later
    # than the server's clock at arrival); older phones leave it out.
    at: Instant | None = None


def _create(_view: View, _args: RequestCreate, _user: str) -> list[LocalWrite]:
    # The number, community and time limit are the server's to give: the request arrives
    # with the next pull rather than as a half-made record.
    return []


SPECS = [
    declare(
        "request.create",
        RequestCreate,
        # Everyone who works with residents (named: a new role sends nothing until named
        # here); departments and inspectors register nothing.
        {Role.WORKER, Role.MENTOR, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN},
        _create,
        only_when="a resident the sender sees",
        effect="a hotline request from the door (channel `app`), placed in the resident's "
        "community; received at `at` (never after the server's clock), its time limit from then; "
        "idempotent by id",
        record="request",
    ),
]
