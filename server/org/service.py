"""Reading the org tree and the people placed in it."""

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.tables import User
from server.errors import Refusal
from server.org.tables import OrgUnit
from shared.orgtree import contains
from shared.permissions import Actor


async def all_units(session: AsyncSession) -> dict[UUID, OrgUnit]:
    """Every unit by id, loaded once per transaction (the tree has about a hundred units)."""
    cached = session.info.get("org_units")
    if cached is None:
        cached = {unit.id: unit for unit in (await session.scalars(select(OrgUnit))).all()}
        session.info["org_units"] = cached
    return cached


async def unit_path(session: AsyncSession, unit_id: UUID) -> str:
    unit = (await all_units(session)).get(unit_id)
    if unit is None:
        raise Refusal("not_found", "That org unit does not exist.", 404)
    return unit.path


async def unit_by_code(session: AsyncSession, code: str) -> OrgUnit | None:
    return await session.scalar(select(OrgUnit).where(OrgUnit.code == code))


async def subtree(session: AsyncSession, path: str) -> list[OrgUnit]:
    return [u for u in (await all_units(session)).values() if contains(path, u.path)]


async def visible_units(session: AsyncSession, actor: Actor) -> list[OrgUnit]:
    units = await subtree(session, actor.unit_path)
    return sorted(units, key=lambda u: u.path)


async def users_in(session: AsyncSession, actor: Actor) -> list[User]:
    ids = [u.id for u in await subtree(session, actor.unit_path)]
    rows = await session.scalars(
        select(User).where(User.org_unit_id.in_(ids)).order_by(User.username)
    )
    return list(rows.all())
