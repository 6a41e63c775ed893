"""Managing accounts: create, disable and enable, reset a password, change role or unit.

The API and the console call these. Every rule comes from shared/permissions.py: an account
outside the manager's subtree is `not_found` (no answer tells it exists), one inside that the
manager may not touch is `forbidden`. Every change is in the audit trail.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import service as audit
from server.auth.passwords import hash_password
from server.auth.service import end_sessions
from server.auth.tables import PERSON, Device, MutationLog, User
from server.clock import utcnow
from server.errors import Refusal
from server.org.service import all_units, department_by_code, subtree, unit_by_code
from server.org.tables import OrgUnit
from server.records import Reader
from server.runtime import Runtime
from shared.administration import may_grant, may_manage_account, may_view_accounts
from shared.enums import Role
from shared.permissions import Actor, within_reach


def _no_account() -> Refusal:
    return Refusal("not_found", "That account does not exist.", 404)


def _may_not(what: str) -> Refusal:
    return Refusal("forbidden", f"You may not {what}.", 403)


async def _unit(session: AsyncSession, actor: Actor, code: str) -> OrgUnit:
    unit = await unit_by_code(session, code)
    if unit is None:
        raise Refusal("not_found", f"No org unit {code!r}.", 404)
    if not within_reach(actor, unit.path):
        raise Refusal("forbidden", f"{code} is outside your part of the tree.", 403)
    return unit


async def visible(session: AsyncSession, actor: Actor, user_id: UUID) -> tuple[User, OrgUnit]:
    """An account the actor may look at (managers, their subtree), and its unit."""
    user = await session.get(User, user_id)
    unit = (await all_units(session)).get(user.org_unit_id) if user else None
    if user is None or unit is None or not may_view_accounts(actor, unit.path):
        raise _no_account()
    return user, unit


async def _managed(session: AsyncSession, actor: Actor, user_id: UUID) -> tuple[User, OrgUnit]:
    user, unit = await visible(session, actor, user_id)
    if not may_manage_account(actor, user.role, unit.path):
        raise _may_not("change this account")
    return user, unit


def _hash(runtime: Runtime, password: str) -> str:
    settings = runtime.settings
    return hash_password(password, settings.password_memory_kib, settings.password_iterations)


async def _department_of(session: AsyncSession, role: Role, code: str | None) -> UUID | None:
    """A department account names its member department; no other account names one."""
    if (role is Role.DEPARTMENT) != (code is not None):
        raise Refusal(
            "invalid_request",
            "department_code names the department of a department account, and only of one.",
            422,
        )
    if code is None:
        return None
    try:
        return (await department_by_code(session, code)).id
    except Refusal:
        raise Refusal("invalid_request", f"No department {code!r}.", 422) from None


async def create(
    session: AsyncSession, runtime: Runtime, actor: Actor, fields: dict[str, Any]
) -> User:
    unit = await _unit(session, actor, fields["org_unit_code"])
    role = Role(fields["role"])
    if not may_grant(actor, role, unit.path):
        raise _may_not(f"create a {role} account in {unit.code}")
    taken = await session.scalar(
        select(User.id).where(func.lower(User.username) == fields["username"].lower())
    )
    if taken is not None:
        raise Refusal("username_taken", "That username is taken.", 409)
    department_id = await _department_of(session, role, fields.get("department_code"))
    user = User(
        username=fields["username"],
        display_name=fields["display_name"].strip(),
        role=role,
        org_unit_id=unit.id,
        department_id=department_id,
        password_hash=_hash(runtime, fields["password"]),
    )
    session.add(user)
    await session.flush()
    audit.record(
        session, actor, "user.create", "user", user.id, unit.id,
        username=user.username, role=role, unit=unit.code,
    )  # fmt: skip
    return user


async def update(
    session: AsyncSession, actor: Actor, user_id: UUID, fields: dict[str, Any], now: datetime
) -> User:
    """Change what is given of display name, role, unit and standing (`active`)."""
    user, unit = await _managed(session, actor, user_id)
    changes: dict[str, Any] = {}
    role = Role(fields["role"]) if fields.get("role") is not None else Role(user.role)
    code = fields.get("department_code")
    if code is not None or (role is Role.DEPARTMENT and user.department_id is None):
        # A department account always names its department, on create and on change.
        department_id = await _department_of(session, role, code)
        if department_id != user.department_id:
            if not may_grant(actor, role, unit.path):
                raise _may_not(f"make this account a {role} in {unit.code}")
            changes["department"] = [
                str(user.department_id) if user.department_id else None,
                str(department_id),
            ]
            user.department_id = department_id
    target = unit
    if fields.get("org_unit_code") is not None:
        target = await _unit(session, actor, fields["org_unit_code"])
    if role != user.role or target.id != unit.id:
        if user.id == actor.user_id:
            raise _may_not("change your own role or unit")
        if not may_grant(actor, role, target.path):
            raise _may_not(f"make this account a {role} in {target.code}")
        if role != user.role:
            changes["role"] = [user.role, role]
            user.role = role
            if role is not Role.DEPARTMENT and user.department_id is not None:
                changes["department"] = [str(user.department_id), None]
                user.department_id = None
        if target.id != unit.id:
            changes["unit"] = [unit.code, target.code]
            user.org_unit_id = target.id
    name = fields.get("display_name")
    if name is not None and name.strip() != user.display_name:
        changes["display_name"] = [user.display_name, name.strip()]
        user.display_name = name.strip()
    active = fields.get("active")
    if active is not None and active != user.active:
        if user.id == actor.user_id:
            raise _may_not("disable your own account")
        changes["active"] = [user.active, active]
        user.active = active
        if not active:
            await _end_all_sessions(session, user.id, now)
    if changes:
        action = "user.update"
        if set(changes) == {"active"}:
            action = "user.enable" if active else "user.disable"
        audit.record(session, actor, action, "user", user.id, target.id, **changes)
    return user


async def reset_password(
    session: AsyncSession, runtime: Runtime, actor: Actor, user_id: UUID, password: str, now
) -> User:
    """A new password; every session of the account ends (its phones sign in again)."""
    user, unit = await _managed(session, actor, user_id)
    user.password_hash = _hash(runtime, password)
    ended = await _end_all_sessions(session, user.id, now)
    audit.record(
        session, actor, "user.password_reset", "user", user.id, unit.id, sessions_ended=ended
    )
    return user


async def _end_all_sessions(session: AsyncSession, user_id: UUID, now: datetime) -> int:
    devices = (await session.scalars(select(Device).where(Device.user_id == user_id))).all()
    for device in devices:
        await end_sessions(session, device, now)
    return len(devices)


async def search(
    session: AsyncSession,
    actor: Actor,
    text: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[tuple[User, OrgUnit]]:
    """Accounts in the actor's subtree, by username; `text` matches username or name."""
    if not actor.is_manager:
        raise _may_not("manage accounts")
    units = {u.id: u for u in await subtree(session, actor.unit_path)}
    query = select(User).where(User.org_unit_id.in_(list(units)))
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                User.username.ilike(pattern, escape="\\"),
                User.display_name.ilike(pattern, escape="\\"),
            )
        )
    rows = await session.scalars(query.order_by(User.username).limit(limit).offset(offset))
    return [(user, units[user.org_unit_id]) for user in rows.all()]


async def proposed_actor(
    session: AsyncSession, actor: Actor, user_id: UUID, role: str | None, unit_code: str | None
) -> tuple[Actor, Actor]:
    """The account as the scope rules see it now, and as they would after the change."""
    user, unit = await visible(session, actor, user_id)
    now_actor = Actor(user.id, Role(user.role), unit.path)
    if role is None and unit_code is None:
        return now_actor, now_actor
    target = await _unit(session, actor, unit_code) if unit_code else unit
    try:
        new_role = Role(role) if role else Role(user.role)
    except ValueError:
        raise Refusal("invalid_request", f"No role {role!r}.", 400) from None
    return now_actor, Actor(user.id, new_role, target.path)


async def devices(
    session: AsyncSession,
    actor: Actor,
    user_id: UUID | None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The devices of the accounts in the actor's subtree (or of one of them), newest first
    (a page of them: `limit` from `offset`)."""
    if not actor.is_manager:
        raise _may_not("see devices")
    if user_id is not None:
        await visible(session, actor, user_id)
        mine = Device.user_id == user_id
    else:
        mine = User.org_unit_id.in_([u.id for u in await subtree(session, actor.unit_path)])
    last_push = (
        select(MutationLog.device_id, func.max(MutationLog.at).label("at"))
        .group_by(MutationLog.device_id)
        .subquery()
    )
    rows = await session.execute(
        select(Device, User.username, last_push.c.at)
        .join(User, User.id == Device.user_id)
        .outerjoin(last_push, last_push.c.device_id == Device.id)
        .where(mine)
        .order_by(Device.created_at.desc(), Device.id)
        .limit(limit)
        .offset(offset)
    )
    listed = []
    for device, username, pushed_at in rows.all():
        seen = [t for t in (device.last_seen_at, pushed_at) if t is not None]
        listed.append(
            {
                "id": device.id,
                "user_id": device.user_id,
                "username": username,
                "name": device.name,
                "created_at": device.created_at,
                "last_seq": device.last_seq,
                "last_push_at": pushed_at,
                "last_contact_at": max(seen) if seen else None,
                "revoked": device.revoked_at is not None,
                "revoked_at": device.revoked_at,
            }
        )
    return listed


async def users_in(session: AsyncSession, actor: Actor) -> list[User]:
    """The people the actor reads (`server.records.Reader.reads`), what its phone holds: those
    of its own unit (managers: of their subtree). Narrowed in SQL to the units of its
    subscribed keys; the rule decides each."""
    readers = Reader.of(actor, await all_units(session), utcnow())
    if readers.beyond_phone(PERSON):  # an inspector reads its subtree's people in the browser
        places = [unit.id for unit in await subtree(session, actor.unit_path)]
    else:
        places = readers.filed_under("unit")
    rows = await session.scalars(
        select(User).where(User.org_unit_id.in_(places)).order_by(User.username)
    )
    return [row for row in rows.all() if readers.reads(PERSON, row)]
