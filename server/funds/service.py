"""Charging, budgeting and reading the special funds.

A fund row (unit, year) is made on first use with the unit's standing yearly budget
(`org_unit.budget_cny`). A charge is one conditional UPDATE of that row: it succeeds only if
the fund stays at or above zero, so concurrent charges are serialised by the row (PostgreSQL
re-checks the condition after the first writer commits; SQLite has one writer at a time) and
the second one over budget is refused, not both accepted.
"""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import service as audit
from server.auth.tables import User
from server.clock import utcnow
from server.errors import Refusal
from server.funds.schemas import (
    FundEntryPublic,
    FundFigures,
    FundPublic,
    FundTotals,
    SpendingCreate,
)
from server.funds.tables import Fund, FundEntry
from server.org.service import all_units, subtree, unit_by_code
from server.org.tables import OrgUnit
from shared.administration import may_record_spending, may_set_budget, sees_funds
from shared.funds import fund_year, to_cny, to_fen
from shared.orgtree import contains
from shared.permissions import Actor, within_reach

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _zone(session: AsyncSession) -> str | None:
    return session.info.get("timezone")


async def _unit(session: AsyncSession, actor: Actor, code: str) -> OrgUnit:
    unit = await unit_by_code(session, code)
    if unit is None or not within_reach(actor, unit.path):
        raise Refusal("not_found", "No such unit in your area.", 404)
    return unit


async def _ensure(session: AsyncSession, unit_id: UUID, year: int) -> None:
    """The fund row of (unit, year), made with the unit's standing budget if there is none;
    two transactions making it at once both go on (ON CONFLICT DO NOTHING)."""
    units = await all_units(session)
    budget = units[unit_id].budget_cny if unit_id in units else 0
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Fund.__table__)
        .values(
            id=uuid4(),
            org_unit_id=unit_id,
            year=year,
            budget_fen=to_fen(budget or 0),
            spent_fen=0,
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["org_unit_id", "year"])
    )
    await session.execute(statement)


async def charge(
    session: AsyncSession,
    actor: Actor | None,
    unit_id: UUID,
    amount_fen: int,
    at: datetime,
    category: str,
    note: str,
    source: str,
    source_id: UUID | None = None,
) -> dict[str, Any]:
    """Spend `amount_fen` from the unit's fund of `at`'s year; `over_budget` (nothing written)
    when the fund would go below zero. Returns the ledger entry's values."""
    year = fund_year(at, _zone(session))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Refusal("invalid_request", "Funds are kept for the years 2000 to 2100.", 422)
    if amount_fen <= 0:
        raise Refusal("invalid_request", "An amount is at least ¥0.01.", 400)
    await _ensure(session, unit_id, year)
    fund_id = await session.scalar(
        update(Fund)
        .where(
            Fund.org_unit_id == unit_id,
            Fund.year == year,
            Fund.spent_fen + amount_fen <= Fund.budget_fen,
        )
        .values(spent_fen=Fund.spent_fen + amount_fen, updated_at=utcnow())
        .returning(Fund.id)
        .execution_options(synchronize_session=False)
    )
    if fund_id is None:
        left = await session.scalar(
            select(Fund.budget_fen - Fund.spent_fen).where(
                Fund.org_unit_id == unit_id, Fund.year == year
            )
        )
        raise Refusal(
            "over_budget",
            f"Over budget: ¥{to_cny(amount_fen):.2f} would take the {year} fund below zero "
            f"(¥{to_cny(left or 0):.2f} left).",
            409,
        )
    values = {
        "id": uuid4(),
        "fund_id": fund_id,
        "org_unit_id": unit_id,
        "year": year,
        "amount_fen": amount_fen,
        "category": category,
        "note": note,
        "source": source,
        "source_id": source_id,
        "recorded_by": actor.user_id if actor else None,
        "at": at,
        "created_at": utcnow(),
    }
    await session.execute(insert(FundEntry.__table__), [values])
    audit.record(
        session,
        actor,
        "fund.spend",
        "fund_entry",
        values["id"],
        unit_id,
        year=year,
        amount_cny=to_cny(amount_fen),
        category=category,
        source=source,
        source_id=source_id,
    )
    return values


async def charge_assistance(
    session: AsyncSession,
    actor: Actor,
    community_id: UUID,
    assistance_id: UUID,
    amount_cny: float | None,
    at: datetime,
    kind: str,
) -> None:
    """Assistance with an amount, charged to the resident's community fund (less than a fen,
    or none, is no charge)."""
    amount_fen = to_fen(amount_cny or 0)
    if amount_fen <= 0:
        return
    await charge(
        session,
        actor,
        community_id,
        amount_fen,
        at,
        "assistance",
        kind,
        "assistance",
        assistance_id,
    )


async def record_spending(
    session: AsyncSession, actor: Actor, body: SpendingCreate, source: str
) -> FundEntryPublic:
    unit = await _unit(session, actor, body.org_unit)
    if not may_record_spending(actor, unit.path):
        raise Refusal("forbidden", "Only the unit's supervisors and admins record its spending.")
    at = body.at or utcnow()
    values = await charge(
        session, actor, unit.id, to_fen(body.amount_cny), at, body.category, body.note, source
    )
    return (await _entries(session, [values], {unit.id: unit}))[0]


async def set_budget(
    session: AsyncSession, actor: Actor, code: str, year: int, budget_cny: float
) -> None:
    """A unit's budget for a year; never below what was already spent (`budget_below_spent`)."""
    unit = await _unit(session, actor, code)
    if not may_set_budget(actor, unit.path):
        raise Refusal("forbidden", "You may not set this unit's budget.")
    await _ensure(session, unit.id, year)
    budget_fen = to_fen(budget_cny)
    before = await session.scalar(
        select(Fund.budget_fen).where(Fund.org_unit_id == unit.id, Fund.year == year)
    )
    changed = await session.scalar(
        update(Fund)
        .where(Fund.org_unit_id == unit.id, Fund.year == year, Fund.spent_fen <= budget_fen)
        .values(budget_fen=budget_fen, updated_at=utcnow())
        .returning(Fund.id)
        .execution_options(synchronize_session=False)
    )
    if changed is None:
        raise Refusal(
            "budget_below_spent", "The budget cannot be less than what is already spent.", 409
        )
    audit.record(
        session,
        actor,
        "fund.budget",
        "fund",
        changed,
        unit.id,
        year=year,
        before_cny=to_cny(before or 0),
        budget_cny=to_cny(budget_fen),
    )


async def _entries(
    session: AsyncSession, rows: list[Any], units: dict[UUID, OrgUnit]
) -> list[FundEntryPublic]:
    def get(row, key):
        return row[key] if isinstance(row, dict) else getattr(row, key)

    people = {get(r, "recorded_by") for r in rows} - {None}
    names = {}
    if people:
        found = await session.execute(select(User.id, User.display_name).where(User.id.in_(people)))
        names = dict(found.all())
    return [
        FundEntryPublic(
            id=get(r, "id"),
            org_unit=units[get(r, "org_unit_id")].code,
            year=get(r, "year"),
            amount_cny=to_cny(get(r, "amount_fen")),
            category=get(r, "category"),
            note=get(r, "note"),
            source=get(r, "source"),
            source_id=get(r, "source_id"),
            recorded_by=get(r, "recorded_by"),
            recorded_by_name=names.get(get(r, "recorded_by")),
            at=get(r, "at"),
        )
        for r in rows
    ]


async def balances(
    session: AsyncSession, units: list[OrgUnit], year: int
) -> dict[UUID, tuple[int, int]]:
    """(budget_fen, spent_fen) of each unit's fund for the year. A unit without a fund row yet
    has its standing budget and nothing spent."""
    ids = [u.id for u in units]
    found: dict[UUID, tuple[int, int]] = {}
    for start in range(0, len(ids), 900):
        rows = await session.execute(
            select(Fund.org_unit_id, Fund.budget_fen, Fund.spent_fen).where(
                Fund.year == year, Fund.org_unit_id.in_(ids[start : start + 900])
            )
        )
        found.update({unit_id: (budget, spent) for unit_id, budget, spent in rows})
    return {u.id: found.get(u.id, (to_fen(u.budget_cny or 0), 0)) for u in units}


def _figures(unit: OrgUnit, budget: int, spent: int) -> FundFigures:
    return FundFigures(
        org_unit=unit.code,
        name=unit.name,
        level=unit.level,
        budget_cny=to_cny(budget),
        spent_cny=to_cny(spent),
        remaining_cny=to_cny(budget - spent),
    )


def _sum(units: list[OrgUnit], money: dict[UUID, tuple[int, int]], path: str) -> tuple[int, int]:
    inside = [money[u.id] for u in units if contains(path, u.path)]
    return sum(b for b, _ in inside), sum(s for _, s in inside)


async def report(session: AsyncSession, actor: Actor, code: str, year: int) -> FundPublic:
    """A unit's fund for the year, its subtree's totals and its direct children's."""
    unit = await _unit(session, actor, code)
    if not sees_funds(actor, unit.path):
        raise Refusal("forbidden", "Only managers of this unit read its funds.")
    units = await subtree(session, unit.path)
    money = await balances(session, units, year)
    budget, spent = money[unit.id]
    total_budget, total_spent = _sum(units, money, unit.path)
    children = sorted((u for u in units if u.parent_id == unit.id), key=lambda u: u.code)
    rows = (
        await session.scalars(
            select(FundEntry)
            .where(FundEntry.org_unit_id == unit.id, FundEntry.year == year)
            .order_by(FundEntry.at.desc(), FundEntry.created_at.desc())
        )
    ).all()
    return FundPublic(
        org_unit=unit.code,
        year=year,
        name=unit.name,
        level=unit.level,
        budget_cny=to_cny(budget),
        spent_cny=to_cny(spent),
        remaining_cny=to_cny(budget - spent),
        total=FundTotals(
            budget_cny=to_cny(total_budget),
            spent_cny=to_cny(total_spent),
            remaining_cny=to_cny(total_budget - total_spent),
        ),
        children=[_figures(c, *_sum(units, money, c.path)) for c in children],
        entries=await _entries(session, list(rows), {u.id: u for u in units}),
    )


async def overview(session: AsyncSession, actor: Actor, year: int) -> FundTotals:
    """The actor's subtree's money for the year (the dashboard's block)."""
    units = await subtree(session, actor.unit_path)
    money = await balances(session, units, year)
    budget, spent = _sum(units, money, actor.unit_path)
    return FundTotals(
        budget_cny=to_cny(budget), spent_cny=to_cny(spent), remaining_cny=to_cny(budget - spent)
    )


def current_year(session: AsyncSession) -> int:
    return fund_year(utcnow(), _zone(session))
