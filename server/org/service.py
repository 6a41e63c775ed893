"""Reading the org tree."""

import time
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import Refusal
from server.org.tables import UNIT, Department, OrgUnit
from server.records import Reader
from shared.orgtree import contains
from shared.permissions import Actor


class UnitCache:
    """The org tree, shared by every session of one engine and reloaded after a while.

    The tree changes rarely (an admin adds a community); a change made in this process clears
    the cache at once (see server/feed/capture.py), other processes see it within MAX_AGE.
    """

    MAX_AGE = 30.0

    def __init__(self) -> None:
        self.units: dict[UUID, OrgUnit] | None = None
        self.loaded_at = 0.0

    def fresh(self) -> dict[UUID, OrgUnit] | None:
        if self.units is not None and time.monotonic() - self.loaded_at < self.MAX_AGE:
            return self.units
        return None

    def keep(self, units: dict[UUID, OrgUnit]) -> None:
        self.units, self.loaded_at = units, time.monotonic()

    def clear(self) -> None:
        self.units = None


async def all_units(session: AsyncSession) -> dict[UUID, OrgUnit]:
    """Every unit by id (the tree has about a hundred units)."""
    process = session.info.get("process")
    cache: UnitCache | None = None
    if process is not None:
        cache = process.setdefault("unit_cache", UnitCache())
    units = cache.fresh() if cache else None
    if units is None:
        rows = (await session.scalars(select(OrgUnit))).all()
        # Detached copies: shared between sessions, they must not tie to this one.
        units = {unit.id: OrgUnit(**unit.model_dump()) for unit in rows}
        if cache:
            cache.keep(units)
    return units


async def unit_path(session: AsyncSession, unit_id: UUID) -> str:
    unit = (await all_units(session)).get(unit_id)
    if unit is None:
        raise Refusal("not_found", "That org unit does not exist.", 404)
    return unit.path


async def unit_by_code(session: AsyncSession, code: str) -> OrgUnit | None:
    return await session.scalar(select(OrgUnit).where(OrgUnit.code == code))


async def subtree(session: AsyncSession, path: str) -> list[OrgUnit]:
    return [u for u in (await all_units(session)).values() if contains(path, u.path)]


async def readable_units(session: AsyncSession, actor: Actor) -> list[OrgUnit]:
    """The units the actor reads as records (GET /api/v1/org-units): what its phone holds
    (`server.records.Reader.reads`), its own unit (managers: their subtree)."""
    units = await all_units(session)
    readers = Reader.of(actor, units)
    return sorted((u for u in units.values() if readers.reads(UNIT, u)), key=lambda u: u.path)


async def visible_units(session: AsyncSession, actor: Actor) -> list[OrgUnit]:
    units = await subtree(session, actor.unit_path)
    return sorted(units, key=lambda u: u.path)


async def departments(session: AsyncSession) -> list[Department]:
    """The member departments, by code."""
    return list((await session.scalars(select(Department).order_by(Department.code))).all())


async def department_by_code(session: AsyncSession, code: str) -> Department:
    """The department of that code; 404 `not_found` when there is none."""
    found = await session.scalar(select(Department).where(Department.code == code))
    if found is None:
        raise Refusal("not_found", f"No department {code!r}.", 404)
    return found
