"""The accounts API's bodies and answers: what a manager sends to make or change an account."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from server.schemas import Public
from shared.enums import Role

MIN_PASSWORD = 10  # characters; the demo's own password has 14
# Letters, digits and . _ - ; starts with a letter or digit; what people type on a phone.
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,59}$"
# A name as people see it: no control characters (no line breaks in a list, no NUL).
NAME_PATTERN = r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$"

Username = Annotated[str, msgspec.Meta(pattern=USERNAME_PATTERN, max_length=60)]
Password = Annotated[str, msgspec.Meta(min_length=MIN_PASSWORD, max_length=200)]
DisplayName = Annotated[str, msgspec.Meta(pattern=NAME_PATTERN, min_length=1, max_length=120)]
UnitCode = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class UserCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """POST /api/v1/users."""

    username: Username
    password: Password
    display_name: DisplayName
    role: Role
    org_unit_code: UnitCode
    # For role `department` (and only for it): the member department's code, e.g. "DEP02".
    department_code: UnitCode | None = None


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """PATCH /api/v1/users/{id}: the members given are changed, the others left as they are."""

    display_name: DisplayName | None = None
    role: Role | None = None
    org_unit_code: UnitCode | None = None
    active: bool | None = None  # false disables the account (and ends its sessions)
    # The member department, e.g. "DEP02": required when the account becomes a department
    # account, refused for any other; an account that stops being one leaves its department.
    department_code: UnitCode | None = None


class PasswordReset(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/v1/users/{id}/password."""

    password: Password


class DeviceListed(Public):
    """A device in GET /api/v1/devices: whose it is, and when it was last heard from."""

    id: UUID  # the device's id, made on the device
    user_id: UUID  # the account it belongs to
    username: str  # that account's username
    name: str  # what the device called itself at sign-in
    created_at: datetime  # its first sign-in
    last_seq: int  # the last mutation seq applied from it
    last_push_at: datetime | None  # when its last mutation arrived
    last_contact_at: datetime | None  # its last sign-in, refresh or push, whichever is latest
    revoked: bool  # true once revoked: it wipes itself at its next contact
    revoked_at: datetime | None  # when
