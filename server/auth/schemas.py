"""What the API and the change feed show of accounts, sessions and devices."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from server.org.schemas import OrgUnitRefPublic
from server.schemas import Public
from shared.enums import Role


class UserPublic(Public):
    """A person with an account: the feed entity `user`, and GET /api/v1/users."""

    id: UUID  # the user's id
    username: str  # what they sign in with
    display_name: str  # the name people see
    role: Role  # what they may do, e.g. "worker", "supervisor"
    org_unit_id: UUID  # the unit they work in
    active: bool  # false once the account is disabled
    department_id: UUID | None = None  # a department's staff: the department they act for


class AccountPublic(Public):
    """The signed-in person, as login and refresh describe them to the phone."""

    id: UUID  # the user's id
    username: str  # what they sign in with
    display_name: str  # the name people see
    role: Role  # what they may do
    org_unit: OrgUnitRefPublic  # the unit they work in


class MePublic(AccountPublic):
    """GET /api/v1/me: the token's account and device."""

    device_id: UUID  # the device the token is bound to


class TokensPublic(Public):
    """The answer to login and refresh: a session bound to one device."""

    access_token: str  # send as `Authorization: Bearer …`; short-lived
    refresh_token: str  # trade for new tokens at /api/v1/auth/refresh; works once
    token_type: Literal["bearer"]  # always "bearer"
    expires_in: int  # seconds until the access token expires
    timezone: str  # the zone people are shown times in (DOORSTEP_TIMEZONE), e.g. Asia/Shanghai
    user: AccountPublic  # who signed in


class DevicePublic(Public):
    """A phone or browser an account signed in from, as revoking it reports."""

    id: UUID  # the device's id, made on the device
    user_id: UUID  # the account it belongs to
    revoked_at: datetime | None  # when it was revoked; none while in good standing
