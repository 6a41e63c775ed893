"""Generating planned check-in visits, and raising alerts for the missed ones.

A plan makes its resident's next check-in visit a day before it is due, unless an open one
exists. The interval is the plan's (weekly by default); while the resident carries a risk flag
(a recent fall, a chronic illness, a disability) visits are daily. A planned visit still open a
day after it was due raises an alert for the community's supervisors.
"""

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import service as audit
from server.errors import Refusal
from server.org.service import all_units, subtree, unit_path
from server.plans.tables import Alert, VisitPlan
from server.residents.tables import Resident
from server.visits.service import check_assignee
from server.visits.tables import Visit
from shared.enums import VisitKind, VisitStatus
from shared.orgtree import contains
from shared.permissions import Actor, manages, reads_subtree, sees_plan
from shared.visits import OPEN_STATUSES

DAILY_WHILE = {"recent_fall", "chronic_illness", "disability"}
LEAD = timedelta(days=1)  # a visit appears on the phone this long before it is due
GRACE = timedelta(days=1)  # and is missed this long after


# The title of a visit a plan makes, as a code (`visit.title_<code>`, worded where it is read).
TITLES = {VisitKind.CHECKIN: "elder_visit_regular", VisitKind.MENTORING: "mentoring_visit_regular"}
PLANNED = (VisitKind.CHECKIN, VisitKind.MENTORING)  # the kinds plans make, and alerts watch


def interval_for(plan: VisitPlan, resident: Resident) -> timedelta:
    if plan.kind == VisitKind.CHECKIN and DAILY_WHILE & set(resident.risk_flags or []):
        return timedelta(days=1)
    return timedelta(days=plan.interval_days)


async def set_plan(
    session: AsyncSession,
    actor: Actor,
    resident_id: UUID,
    assignee_id: UUID,
    interval_days: int,
    first_due: datetime,
    kind: VisitKind = VisitKind.CHECKIN,
) -> VisitPlan:
    """Plan `kind` visits to the resident every `interval_days`, the first due `first_due`
    (a plan of that kind already there is changed, and started again if it was stopped)."""
    resident = await session.get(Resident, resident_id)
    path = await unit_path(session, resident.community_id) if resident else ""
    if resident is None or not manages(actor, path):
        raise Refusal("not_found", "No such resident in your area.", 404)
    await check_assignee(session, path, assignee_id)
    plan = await session.scalar(
        select(VisitPlan).where(VisitPlan.resident_id == resident_id, VisitPlan.kind == kind)
    )
    if plan is None:
        plan = VisitPlan(
            kind=kind,
            resident_id=resident_id,
            community_id=resident.community_id,
            assignee_id=assignee_id,
            interval_days=interval_days,
            next_due_at=first_due,
        )
        session.add(plan)
    else:
        plan.assignee_id, plan.interval_days, plan.active = assignee_id, interval_days, True
    audit.record(
        session,
        actor,
        "plan.set",
        "visit_plan",
        plan.id,
        resident.community_id,
        interval_days=interval_days,
        kind=str(kind),
    )
    return plan


async def generate_due_visits(session: AsyncSession, now: datetime) -> list[Visit]:
    plans = (
        await session.scalars(
            select(VisitPlan)
            .where(VisitPlan.active, VisitPlan.next_due_at <= now + LEAD)
            .with_for_update(skip_locked=True)
        )
    ).all()
    made = []
    for plan in plans:
        visit = await make_due_visit(session, plan, now)
        if visit is not None:
            made.append(visit)
    return made


async def make_due_visit(session: AsyncSession, plan: VisitPlan, now: datetime) -> Visit | None:
    """The plan's next visit, unless one of its kind is still open; the plan moves on."""
    resident = await session.get(Resident, plan.resident_id)
    open_one = await session.scalar(
        select(Visit.id).where(
            Visit.resident_id == plan.resident_id,
            Visit.kind == plan.kind,
            Visit.status.in_([s.value for s in OPEN_STATUSES]),
        )
    )
    if open_one is None:
        visit = Visit(
            resident_id=plan.resident_id,
            community_id=plan.community_id,
            assignee_id=plan.assignee_id,
            kind=VisitKind(plan.kind),
            status=VisitStatus.ASSIGNED,
            due_at=plan.next_due_at,
            title_code=TITLES[VisitKind(plan.kind)],
        )
        session.add(visit)
    else:
        visit = None
    plan.next_due_at = max(plan.next_due_at, now) + interval_for(plan, resident)
    return visit


async def raise_missed(session: AsyncSession, now: datetime) -> list[Alert]:
    missed = (
        await session.scalars(
            select(Visit).where(
                Visit.kind.in_([str(k) for k in PLANNED]),
                Visit.due_at < now - GRACE,
                Visit.status.in_([s.value for s in OPEN_STATUSES]),
            )
        )
    ).all()
    known = (
        set(
            (
                await session.scalars(
                    select(Alert.visit_id).where(Alert.visit_id.in_([v.id for v in missed]))
                )
            ).all()
        )
        if missed
        else set()
    )
    raised = []
    for visit in missed:
        if visit.id in known:
            continue
        resident = await session.get(Resident, visit.resident_id)
        alert = Alert(
            kind="missed_visit",
            visit_id=visit.id,
            resident_id=visit.resident_id,
            community_id=visit.community_id,
            raised_at=now,
            params={"name": resident.name if resident else "", "due": f"{visit.due_at:%Y-%m-%d}"},
        )
        session.add(alert)
        raised.append(alert)
    # An alert clears itself once its visit is done.
    for alert in (await session.scalars(select(Alert).where(Alert.resolved_at.is_(None)))).all():
        visit = await session.get(Visit, alert.visit_id) if alert.visit_id else None
        if visit is not None and visit.status not in OPEN_STATUSES:
            alert.resolved_at = now
    return raised


async def alerts_for(session: AsyncSession, actor: Actor, include_resolved: bool = False):
    if not reads_subtree(actor):
        raise Refusal("forbidden", "Alerts are for supervisors.")
    ids = [u.id for u in await subtree(session, actor.unit_path)]
    query = select(Alert).where(Alert.community_id.in_(ids))
    if not include_resolved:
        query = query.where(Alert.resolved_at.is_(None))
    return list((await session.scalars(query.order_by(Alert.raised_at.desc()))).all())


async def plans_for(session: AsyncSession, actor: Actor) -> list[VisitPlan]:
    """The plans `sees_plan` allows. The query only narrows to the plans the rule could allow
    (of the actor's subtree, or whose visits the actor makes); the shared rule decides each."""
    units = await all_units(session)
    ids = [u.id for u in units.values() if contains(actor.unit_path, u.path)]
    query = select(VisitPlan).where(
        or_(VisitPlan.community_id.in_(ids), VisitPlan.assignee_id == actor.user_id)
    )
    plans = (await session.scalars(query.order_by(VisitPlan.next_due_at))).all()

    def path(unit_id: UUID) -> str:
        unit = units.get(unit_id)
        return unit.path if unit else ""

    return [p for p in plans if sees_plan(actor, path(p.community_id), p.assignee_id)]


async def alert_facts(session: AsyncSession, alerts: list[Alert]) -> list[dict]:
    """Each alert with the facts a page puts in words: the resident's name and when the
    missed visit was due (the stored `params` carry the date only, in UTC)."""
    rows = []
    for alert in alerts:
        resident = await session.get(Resident, alert.resident_id) if alert.resident_id else None
        visit = await session.get(Visit, alert.visit_id) if alert.visit_id else None
        rows.append(
            {
                "kind": alert.kind,
                "raised_at": alert.raised_at,
                "resident": resident.name if resident else "",
                "due_at": visit.due_at if visit else None,
                "visit_kind": visit.kind if visit else None,
            }
        )
    return rows
