"""Recurring check-in visits for residents living alone, and alerts when one is missed."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from server.clock import utcnow
from server.plans import service as plans
from server.plans.tables import VisitPlan
from server.residents.tables import Resident
from server.visits.tables import Visit


async def test_plans_make_visits_on_schedule_and_missed_ones_alert(api):
    supervisor = await api.login("supervisor1")
    worker = await api.login("worker1")
    residents = (await supervisor.get("/api/v1/residents", params={"limit": 1000})).json()
    resident = next(r for r in residents if not r["living_alone"])
    start = utcnow()
    response = await supervisor.post(
        "/api/v1/visit-plans",
        json={
            "resident_id": resident["id"],
            "assignee_id": worker.user["id"],
            "interval_days": 15,
            "first_due": start.isoformat(),
        },
    )
    assert response.status_code == 200, response.text
    async with api.runtime.sessions() as session, session.begin():
        made = await plans.generate_due_visits(session, start)
        assert resident["id"] in {str(v.resident_id) for v in made}
        plan = await session.scalar(
            select(VisitPlan).where(VisitPlan.resident_id == made[0].resident_id)
        )
    assert abs((plan.next_due_at - start) - timedelta(days=15)) < timedelta(minutes=1)
    # The visit is on the worker's phone.
    records, _ = await worker.pull_all()
    planned = [
        v
        for (e, _), v in records.items()
        if e == "visit"
        and v
        and v["resident_id"] == resident["id"]
        and v["title"] == "独居老人定期探访"
    ]
    assert len(planned) == 1
    # Stored as a code, worded at the edge: Chinese in the record, the code for the phone.
    assert planned[0]["title_code"] == "elder_visit_regular"
    async with api.runtime.sessions() as session:
        assert (await session.get(Visit, uuid.UUID(planned[0]["id"]))).title == ""
    # No second visit while one is open.
    async with api.runtime.sessions() as session, session.begin():
        again = await plans.generate_due_visits(session, start + timedelta(days=16))
        assert resident["id"] not in {str(v.resident_id) for v in again}
        # Two days past due and still not done: the supervisor is alerted, once.
        raised = await plans.raise_missed(session, start + timedelta(days=2))
        assert planned[0]["id"] in {str(a.visit_id) for a in raised}
        second = await plans.raise_missed(session, start + timedelta(days=3))
        assert planned[0]["id"] not in {str(a.visit_id) for a in second}  # once
    alerts = (await supervisor.get("/api/v1/alerts")).json()
    assert planned[0]["id"] in {a["visit_id"] for a in alerts}
    assert (await worker.get("/api/v1/alerts")).status_code == 403
    # Done late: the alert clears itself.
    await worker.push(
        ("visit.start", {"visit_id": planned[0]["id"], "at": start.isoformat()}),
        (
            "visit.complete",
            {"visit_id": planned[0]["id"], "at": start.isoformat(), "summary": "补访"},
        ),
    )
    async with api.runtime.sessions() as session, session.begin():
        await plans.raise_missed(session, start + timedelta(days=3))
    alerts = (await supervisor.get("/api/v1/alerts")).json()
    assert planned[0]["id"] not in {a["visit_id"] for a in alerts}


async def test_daily_while_a_risk_flag_is_set(api):
    async with api.runtime.sessions() as session, session.begin():
        plan = (await session.scalars(select(VisitPlan))).first()
        resident = await session.get(Resident, plan.resident_id)
        assert plans.interval_for(plan, resident) == timedelta(days=plan.interval_days)
        resident.risk_flags = [*resident.risk_flags, "recent_fall"]
        assert plans.interval_for(plan, resident) == timedelta(days=1)


async def test_the_demo_plans_every_resident_living_alone(api):
    supervisor = await api.login("supervisor1")
    residents = (await supervisor.get("/api/v1/residents", params={"limit": 1000})).json()
    planned = {p["resident_id"] for p in (await supervisor.get("/api/v1/visit-plans")).json()}
    assert {r["id"] for r in residents if r["living_alone"]} <= planned
    assert {p["interval_days"] for p in (await supervisor.get("/api/v1/visit-plans")).json()} >= {
        7,
        15,
        30,
    }
