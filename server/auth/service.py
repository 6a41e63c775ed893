"""Signing in, refreshing, revoking devices, and turning a bearer token into an Actor."""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import service as audit
from server.auth import passwords, tokens
from server.auth.tables import Device, LoginFailure, RefreshToken, User
from server.clock import utcnow
from server.errors import ProblemError, forbidden, not_found
from server.org.service import all_units
from server.org.tables import OrgUnit
from server.runtime import Runtime
from shared.enums import Role
from shared.permissions import Actor, may_revoke_device


@dataclass(frozen=True)
class Person:
    """Who the caller is, as handlers and pages show it (read without an ORM object)."""

    id: UUID
    username: str
    display_name: str
    role: str
    org_unit_id: UUID


@dataclass(frozen=True)
class Principal:
    """The caller of a request: the rule-facing Actor, the person and their unit."""

    actor: Actor
    user: Person
    unit: OrgUnit
    last_seq: int  # the device's last applied mutation seq, read with its standing


# The caller's standing in one indexed query, as plain columns: no ORM objects on the path
# every sync takes.
STANDING = (
    select(
        Device.revoked_at,
        Device.sessions_ended_at,
        Device.last_seq,
        User.id,
        User.username,
        User.display_name,
        User.role,
        User.org_unit_id,
        User.department_id,
        User.active,
    )
    .join(User, User.id == Device.user_id)
    .where(Device.id == bindparam("device_id"), Device.user_id == bindparam("user_id"))
)


FIRST_DELAY_S = 30  # the wait after the allowed failures; it doubles with each further one
CLIENT_FACTOR = 4  # a client may fail this many times the allowed count, over all usernames


def _unauthorized(detail: str = "Wrong username or password.") -> ProblemError:
    return ProblemError(401, "unauthorized", detail)


def _revoked() -> ProblemError:
    return ProblemError(
        403, "device_revoked", "This device was revoked. Its local data must be wiped."
    )


async def forget_old_login_failures(session: AsyncSession, runtime: Runtime, now: datetime) -> int:
    """Delete failed sign-ins older than the window that counts them (no rule reads them
    after it; they would otherwise pile up for ever). The background round calls this."""
    since = now - runtime.settings.login_failure_window
    done = await session.execute(delete(LoginFailure).where(LoginFailure.at <= since))
    return done.rowcount or 0


async def _wait_before_login(
    session: AsyncSession, runtime: Runtime, username: str, client: str, now: datetime
) -> int:
    """Seconds this client must wait before trying this username again; 0: go ahead.

    Failures are counted per (username, client): after the allowed few, each further try
    waits twice as long as the one before, up to the window. Nobody can lock a person out
    from elsewhere; a client guessing many usernames is held back by its own total.
    """
    settings = runtime.settings
    since = now - settings.login_failure_window
    pair, last = (
        await session.execute(
            select(func.count(), func.max(LoginFailure.at)).where(
                LoginFailure.username == username,
                LoginFailure.client == client,
                LoginFailure.at > since,
            )
        )
    ).one()
    by_client, first = (
        await session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(
                LoginFailure.client == client, LoginFailure.at > since
            )
        )
    ).one()
    allowed = settings.login_failures_allowed
    window = settings.login_failure_window.total_seconds()
    wait = 0.0
    if pair >= allowed and last is not None:
        delay = min(FIRST_DELAY_S * 2 ** (pair - allowed), window)
        wait = (last - now).total_seconds() + delay
    if by_client >= allowed * CLIENT_FACTOR and first is not None:
        wait = max(wait, (first - now).total_seconds() + window)
    return max(0, math.ceil(wait))


async def _issue(session: AsyncSession, runtime: Runtime, user: User, device: Device) -> dict:
    now = utcnow()
    settings = runtime.settings
    access = tokens.issue_access(
        runtime.token_key, user.id, device.id, now + settings.access_token_ttl
    )
    refresh = tokens.new_refresh_token()
    session.add(
        RefreshToken(
            token_hash=tokens.digest(refresh),
            user_id=user.id,
            device_id=device.id,
            expires_at=now + settings.refresh_token_ttl,
        )
    )
    unit = await session.get(OrgUnit, user.org_unit_id)
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": int(settings.access_token_ttl.total_seconds()),
        "timezone": settings.timezone,
        "user": {
            "id": str(user.id),
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role,
            "org_unit": unit.public(),
        },
    }


async def login(
    session: AsyncSession,
    runtime: Runtime,
    username: str,
    password: str,
    device_id: UUID,
    device_name: str | None,
    client: str,
    public_key: str | None = None,
) -> dict | None:
    """The tokens, or None for a wrong username or password.

    A failed attempt is written to the session and must be committed (the handler answers
    401 without raising) so that the rate limit counts it.
    """
    wait = await _wait_before_login(session, runtime, username, client, utcnow())
    if wait:
        raise ProblemError(
            429,
            "rate_limited",
            f"Too many failed sign-ins. Wait {wait} seconds and try again.",
            retry_after=wait,
        )
    user = await session.scalar(select(User).where(User.username == username))
    if not passwords.verify_password(password, user.password_hash if user else None) or (
        user is not None and not user.active
    ):
        session.add(LoginFailure(username=username[:60], client=client[:64]))
        return None
    device = await session.get(Device, device_id)
    if device is None:
        device = Device(id=device_id, user_id=user.id, name=device_name or "")
        session.add(device)
    elif device.revoked_at is not None:
        raise _revoked()
    elif device.user_id != user.id:
        raise forbidden(
            "This device is registered to another account. Wipe the app to sign in as someone else."
        )
    device.last_seen_at = utcnow()
    if device_name:
        device.name = device_name
    actor = Actor(user.id, Role(user.role), "", device.id)
    if public_key and public_key != device.public_key:
        # The key the phone signs its records with from now on (a reinstalled app makes a new
        # one). A change is on record with both keys; the records signed before keep the old
        # key beside the exact text it signed, so they still verify.
        if device.public_key:
            audit.record(
                session, actor, "device.key_changed", "device", device.id,
                old_key=device.public_key, new_key=public_key,
            )  # fmt: skip
        device.public_key = public_key
    audit.record(session, actor, "auth.login", "device", device.id)
    return await _issue(session, runtime, user, device)


async def refresh(session: AsyncSession, runtime: Runtime, refresh_token: str) -> dict | None:
    """New tokens; None when a used token comes back (the device's sessions are ended, which
    the handler commits before it answers 401)."""
    row = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == tokens.digest(refresh_token))
    )
    now = utcnow()
    if row is None:
        raise _unauthorized("The session has ended. Sign in again.")
    device = await session.get(Device, row.device_id)
    if device is None or device.revoked_at is not None:
        raise _revoked()  # before any other answer: the phone must learn to wipe itself
    if row.revoked_at is not None or row.expires_at <= now:
        raise _unauthorized("The session has ended. Sign in again.")
    if row.used_at is not None:
        # A refresh token used twice was copied: end every session of the device, its
        # access tokens included.
        await end_sessions(session, device, now)
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user.active:
        raise _unauthorized("The account is disabled.")
    row.used_at = now
    device.last_seen_at = now
    return await _issue(session, runtime, user, device)


async def revoke_device(session: AsyncSession, principal: Principal, device_id: UUID) -> Device:
    device = await session.get(Device, device_id)
    if device is None:
        raise not_found("Device")
    owner = await session.get(User, device.user_id)
    owner_unit = await session.get(OrgUnit, owner.org_unit_id)
    if not may_revoke_device(principal.actor, owner_unit.path):
        raise forbidden("Only a supervisor of the device owner's unit, or an admin, may revoke it.")
    now = utcnow()
    if device.revoked_at is None:
        device.revoked_at = now
        device.revoked_by = principal.user.id
        await session.execute(
            update(RefreshToken).where(RefreshToken.device_id == device.id).values(revoked_at=now)
        )
        audit.record(
            session,
            principal.actor,
            "device.revoke",
            "device",
            device.id,
            owner_unit.id,
            owner=owner.username,
        )
    return device


async def end_sessions(session: AsyncSession, device: Device, now: datetime) -> None:
    """Every token of the device issued until now stops working; the device may sign in again."""
    device.sessions_ended_at = now
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.device_id == device.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def end_sessions_of(session: AsyncSession, device_id: UUID, now: datetime) -> None:
    """Sign-out: the device's tokens stop working (an unknown device: nothing to end)."""
    device = await session.get(Device, device_id)
    if device is not None:
        await end_sessions(session, device, now)


def read_claims(
    runtime: Runtime, authorization: str | None, now: datetime, kind: str = tokens.API
) -> tokens.AccessClaims:
    """What a bearer token of this kind says, checked (signature, expiry); 401 otherwise.
    No database: the caller's standing is `standing_of` the row `STANDING` reads."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise _unauthorized("Sign in first: this call needs a bearer token.")
    try:
        return tokens.read_access(runtime.token_key, authorization[7:].strip(), now, kind)
    except tokens.TokenInvalid as exc:
        raise _unauthorized(f"The access token is not valid ({exc}). Sign in again.") from exc


def standing_of(claims: tokens.AccessClaims, found: Any, units: dict[UUID, OrgUnit]) -> Principal:
    """The caller, from the row `STANDING` read for the token's device and user (None: no
    such pair); 401 or 403 when the device, the session or the account no longer stands.
    The ORM's `authenticate` and the lean sync path (server/sync/lean.py) both decide here."""
    if found is None:
        raise _unauthorized("The access token is not valid. Sign in again.")
    if found.revoked_at is not None:
        raise _revoked()
    ended = found.sessions_ended_at
    if ended is not None and claims.issued_at_ms <= ended.timestamp() * 1000:
        raise _unauthorized("The session has ended. Sign in again.")
    if not found.active:
        raise _unauthorized("The account is disabled.")
    unit = units[found.org_unit_id]
    person = Person(found.id, found.username, found.display_name, found.role, found.org_unit_id)
    actor = Actor(found.id, Role(found.role), unit.path, claims.device_id, found.department_id)
    return Principal(actor, person, unit, found.last_seq)


async def authenticate(
    session: AsyncSession,
    runtime: Runtime,
    authorization: str | None,
    now: datetime,
    kind: str = tokens.API,
) -> Principal:
    """The caller behind a bearer token of this kind (the API's, or the console cookie's)."""
    claims = read_claims(runtime, authorization, now, kind)
    connection = await session.connection()
    params = {"device_id": claims.device_id, "user_id": claims.user_id}
    found = (await connection.execute(STANDING, params)).first()
    units = await all_units(session) if found is not None else {}
    return standing_of(claims, found, units)
