"""HTTP: a unit's special fund for a year, spending recorded by hand, and budgets."""

from typing import Annotated

from litestar import get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.funds import service
from server.funds.schemas import BudgetSet, FundEntryPublic, FundPublic, SpendingCreate
from shared.permissions import Actor


@get("/api/v1/funds", tags=["funds"], summary="A unit's special fund for a year (managers)")
async def get_fund(
    db_session: NamedDependency[AsyncSession],
    actor: NamedDependency[Actor],
    org_unit: Annotated[str, QueryParameter(min_length=1, max_length=40, description="unit code")],
    year: Annotated[
        int | None, QueryParameter(ge=2000, le=2100, description="default: now")
    ] = None,
) -> FundPublic:
    return await service.report(
        db_session, actor, org_unit, year or service.current_year(db_session)
    )


@post(
    "/api/v1/funds/entries",
    tags=["funds"],
    summary="Record spending from a unit's fund (409 over_budget when it does not fit)",
)
async def record_spending(
    data: JSONBody[SpendingCreate],
    db_session: NamedDependency[AsyncSession],
    actor: NamedDependency[Actor],
) -> FundEntryPublic:
    return await service.record_spending(db_session, actor, data, "api")


@put("/api/v1/funds/budget", tags=["funds"], summary="Set a unit's budget for a year")
async def set_budget(
    data: JSONBody[BudgetSet],
    db_session: NamedDependency[AsyncSession],
    actor: NamedDependency[Actor],
) -> FundPublic:
    await service.set_budget(db_session, actor, data.org_unit, data.year, data.budget_cny)
    return await service.report(db_session, actor, data.org_unit, data.year)


ROUTES = [get_fund, record_spending, set_budget]
