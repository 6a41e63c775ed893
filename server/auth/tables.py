"""Accounts, the devices they sign in from, and each device's journal of pushed mutations."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from server.auth.schemas import UserPublic
from server.clock import utcnow
from server.db.types import UTCDateTime
from server.records import Place, declare
from server.records.keys import key
from shared.permissions import Actor, sees_unit


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    username: str = Field(max_length=60, unique=True, index=True)
    display_name: str = Field(max_length=120)
    role: str = Field(max_length=20)
    org_unit_id: UUID = Field(foreign_key="org_unit.id", index=True)
    # Staff of a member department (role `department`): the department they act for.
    department_id: UUID | None = Field(default=None, foreign_key="department.id", index=True)
    password_hash: str = Field(max_length=300)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


def _holds_person(actor: Actor, row: Any, place: Place) -> bool:
    """the people of its own unit (managers: of their subtree; an inspector reads its
    subtree's in the browser)"""
    return sees_unit(actor, place.path(row.org_unit_id))


PERSON = declare(
    User,
    entity="user",
    public=UserPublic,
    keys=lambda get: {key("unit", get("org_unit_id"))},
    sees=_holds_person,
    label="people (accounts) the phone knows",
)
RECORDS = [PERSON]


class Device(SQLModel, table=True):
    """A phone or browser a user signed in from; its mutation seq lives here."""

    __tablename__ = "device"

    id: UUID = Field(primary_key=True)
    user_id: UUID = Field(foreign_key="app_user.id", index=True)
    name: str = Field(default="", max_length=120)
    last_seq: int = 0  # the highest mutation seq applied for this device
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revoked_by: UUID | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    last_seen_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # Access tokens issued at or before this moment are refused (sign-out, a stolen refresh
    # token); the device itself stays in good standing and may sign in again.
    sessions_ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The device's Ed25519 public key (32 raw bytes, base64url), registered at login: the
    # server checks proof-carrying records' `device_signature` against it.
    public_key: str | None = Field(default=None, max_length=64)


class MutationLog(SQLModel, table=True):
    """Every mutation a device pushed, once: its outcome and the stamp the server credited.

    The primary key makes a second application impossible; a replay of a rejected mutation is
    answered with its original reason from here.
    """

    __tablename__ = "mutation_log"

    device_id: UUID = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    name: str = Field(max_length=60)
    status: str = Field(max_length=20)  # applied | rejected
    stamp: str = Field(default="", max_length=64)  # the clamped hybrid-logical-clock stamp
    error_code: str | None = Field(default=None, max_length=60)
    error_message: str | None = None
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_token"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: UUID = Field(foreign_key="app_user.id", index=True)
    device_id: UUID = Field(foreign_key="device.id", index=True)
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class LoginFailure(SQLModel, table=True):
    """A failed login, counted for the rate limit."""

    __tablename__ = "login_failure"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    username: str = Field(max_length=60, index=True)
    client: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), index=True))


class ServerSetting(SQLModel, table=True):
    """Values every server process must share, such as the token signing key."""

    __tablename__ = "server_setting"

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(max_length=500)
