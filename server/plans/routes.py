"""HTTP: visit plans and alerts."""

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import get, post
from litestar.params import JSONBody

from server.clock import utcnow
from server.deps import Caller, Session
from server.plans import service
from server.plans.schemas import AlertPublic, VisitPlanPublic
from shared.instants import Instant, Timed


class PlanBody(Timed, forbid_unknown_fields=True, kw_only=True):
    resident_id: UUID
    assignee_id: UUID
    interval_days: Annotated[int, msgspec.Meta(ge=1, le=366)] = 7
    first_due: Instant | None = None


@post(
    "/api/v1/visit-plans",
    tags=["visits"],
    status_code=200,
    summary="Plan recurring check-ins for a resident (weekly by default)",
)
async def set_plan(
    data: JSONBody[PlanBody],
    db_session: Session,
    principal: Caller,
) -> VisitPlanPublic:
    plan = await service.set_plan(
        db_session,
        principal.actor,
        data.resident_id,
        data.assignee_id,
        data.interval_days,
        data.first_due or utcnow(),
    )
    return VisitPlanPublic.from_row(plan)


@get("/api/v1/visit-plans", tags=["visits"], summary="Visit plans in your area")
async def list_plans(db_session: Session, principal: Caller) -> list[VisitPlanPublic]:
    plans = await service.plans_for(db_session, principal.actor)
    return [VisitPlanPublic.from_row(plan) for plan in plans]


@get("/api/v1/alerts", tags=["visits"], summary="Open alerts in your area: missed visits")
async def list_alerts(db_session: Session, principal: Caller) -> list[AlertPublic]:
    alerts = await service.alerts_for(db_session, principal.actor)
    return [AlertPublic.from_row(alert) for alert in alerts]


ROUTES = [set_plan, list_plans, list_alerts]
