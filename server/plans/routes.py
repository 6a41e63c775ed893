"""HTTP: visit plans and alerts."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.service import Principal
from server.db.types import utcnow
from server.plans import service


class PlanBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    resident_id: UUID
    assignee_id: UUID
    interval_days: Annotated[int, msgspec.Meta(ge=1, le=366)] = 7
    first_due: datetime | None = None


def _plan(plan) -> dict:
    return {
        "id": str(plan.id),
        "resident_id": str(plan.resident_id),
        "assignee_id": str(plan.assignee_id),
        "interval_days": plan.interval_days,
        "next_due_at": plan.next_due_at,
        "active": plan.active,
    }


@post(
    "/api/v1/visit-plans",
    tags=["visits"],
    status_code=200,
    summary="Plan recurring check-ins for a resident (weekly by default)",
)
async def set_plan(
    data: JSONBody[PlanBody],
    db_session: NamedDependency[AsyncSession],
    principal: NamedDependency[Principal],
) -> dict:
    plan = await service.set_plan(
        db_session,
        principal.actor,
        data.resident_id,
        data.assignee_id,
        data.interval_days,
        data.first_due or utcnow(),
    )
    return _plan(plan)


@get("/api/v1/visit-plans", tags=["visits"], summary="Visit plans in your area")
async def list_plans(
    db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
) -> list[dict]:
    return [_plan(p) for p in await service.plans_for(db_session, principal.actor)]


@get("/api/v1/alerts", tags=["visits"], summary="Open alerts in your area: missed visits")
async def list_alerts(
    db_session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
) -> list[dict]:
    return [
        {
            "id": str(a.id),
            "kind": a.kind,
            "visit_id": str(a.visit_id),
            "resident_id": str(a.resident_id),
            "community_id": str(a.community_id),
            "message": a.message,
            "raised_at": a.raised_at,
        }
        for a in await service.alerts_for(db_session, principal.actor)
    ]


ROUTES = [set_plan, list_plans, list_alerts]
