"""HTTP: a unit's special fund for a year, spending recorded by hand, and budgets."""

from typing import Annotated

from litestar import get, post, put
from litestar.params import JSONBody, QueryParameter

from server.deps import Actor_, Session
from server.funds import service
from server.funds.schemas import BudgetSet, FundEntryPublic, FundPublic, SpendingCreate


@get("/api/v1/funds", tags=["funds"], summary="A unit's special fund for a year (managers)")
async def get_fund(
    db_session: Session,
    actor: Actor_,
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
    db_session: Session,
    actor: Actor_,
) -> FundEntryPublic:
    return await service.record_spending(db_session, actor, data, "api")


@put("/api/v1/funds/budget", tags=["funds"], summary="Set a unit's budget for a year")
async def set_budget(
    data: JSONBody[BudgetSet],
    db_session: Session,
    actor: Actor_,
) -> FundPublic:
    await service.set_budget(db_session, actor, data.org_unit, data.year, data.budget_cny)
    return await service.report(db_session, actor, data.org_unit, data.year)


ROUTES = [get_fund, record_spending, set_budget]
