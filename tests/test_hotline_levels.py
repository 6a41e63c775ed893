"""The hotline through its levels: district → subdistrict office → community and member
department (accept, transfer, return, resolve), each step with its time limit and escalation,
on a clock the test controls; `overdue` across escalation; supervision notes."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from server.auth.tables import User
from server.clock import utcnow
from server.hotline import service as hotline
from server.hotline.tables import HotlineRequest
from server.org.service import all_units
from server.org.tables import Department
from shared.enums import Role
from shared.permissions import Actor


class Clock:
    """The test's clock: starts now and moves only when told."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self, minutes: float = 0) -> object:
        self.now += timedelta(minutes=minutes)
        return self.now


async def as_actor(session, username: str) -> Actor:
    user = await session.scalar(select(User).where(User.username == username))
    units = await all_units(session)
    return Actor(user.id, Role(user.role), units[user.org_unit_id].path, None, user.department_id)


async def step(api, fn, *args, **kwargs):
    """One service call in its own transaction, as one request to the server would be."""
    async with api.runtime.sessions() as session, session.begin():
        return await fn(session, *args, **kwargs)


async def by_name(api, session, username: str, fn, *args, **kwargs):
    return await fn(session, await as_actor(session, username), *args, **kwargs)


async def routed_to(api, request: HotlineRequest) -> str:
    """The name of the member department the request is routed to."""
    async with api.runtime.sessions() as session:
        return (await session.get(Department, request.department_id)).name


async def current(api, request_id) -> HotlineRequest:
    async with api.runtime.sessions() as session:
        return await session.get(HotlineRequest, request_id)


CALL = {
    "channel": "phone",
    "caller_name": "周建国",
    "caller_phone": "13900001111",
    "address": "幸福区某路8号",
    "category_code": "repair.water",  # 4 hours from the call
    "description": "厨房水管漏水，地面积水",
}


async def test_a_leaking_pipe_through_every_level_and_two_departments(api):
    clock = Clock()

    async def act(username, fn, *args, **kwargs):
        async def call(session):
            return await fn(session, await as_actor(session, username), *args, **kwargs)

        return await step(api, call)

    created = await act("dispatcher", hotline.create, dict(CALL), clock())
    rid = created.id
    due = created.due_at
    assert due == clock.now + timedelta(hours=4)

    # The district sends it to the subdistrict office: its queue, with 0.4 h to send it on.
    sent = await act(
        "dispatcher", hotline.dispatch, rid, "D01-S01", None, clock(5), note="请街道分派"
    )
    assert (sent.level, sent.status) == ("subdistrict", "dispatched")
    assert sent.stage_due_at == clock.now + timedelta(hours=0.4)

    async def queue(username):
        return {
            r.id for r in await act(username, hotline.search, None, False, clock.now, held=True)
        }

    assert rid in await queue("subdistrict1")
    assert rid not in await queue("dispatcher") and rid not in await queue("supervisor1")
    # The office is slow: escalation takes it up the same path, to the district.
    escalated = await step(api, hotline.escalate_overdue, clock(60))
    assert rid in {r.id for r in escalated}
    assert (await current(api, rid)).level == "district"
    assert rid in await queue("dispatcher") and rid in await queue("subdistrict1")

    # The office sends it on to a community and the water department: 0.4 h to accept.
    routed = await act("subdistrict1", hotline.dispatch, rid, "D01-S01-C01", "DEP01", clock(10))
    assert (routed.level, routed.status, await routed_to(api, routed)) == (
        "department",
        "dispatched",
        "水务局",
    )
    assert routed.stage_due_at == clock.now + timedelta(hours=0.4)  # to accept
    assert rid in await queue("dept_water") and rid not in await queue("subdistrict1")
    accepted = await act("dept_water", hotline.accept, rid, clock(10))
    assert accepted.status == "in_progress"
    assert accepted.stage_due_at == clock.now + timedelta(hours=2.4)  # 0.6 of 4 h to resolve

    # Not theirs after all: the water department transfers it to the power company, which
    # returns it with a reason; the district reviews the return and sends it to the community.
    moved = await act("dept_water", hotline.transfer, rid, "DEP04", "电表箱进水，转供电", clock(10))
    assert (moved.status, await routed_to(api, moved)) == ("dispatched", "供电公司")
    assert rid not in await queue("dept_water") and rid in await queue("dept04")
    asked = await act("dept04", hotline.give_back, rid, "不属于供电问题，请社区核实", clock(10))
    assert (asked.status, asked.level) == ("return_review", "district")
    assert asked.department_id is not None  # the department holds it until the decision
    back = await act("dispatcher", hotline.decide_return, rid, True, None, clock(5))
    assert (back.status, back.department_id, back.level) == ("dispatched", None, "community")
    assert rid in await queue("supervisor1")

    # The community sends it to the water department again; it accepts, then runs late.
    await act("supervisor1", hotline.dispatch, rid, None, "DEP01", clock(10))
    await act("dept_water", hotline.accept, rid, clock(10))
    assert not hotline.is_overdue(await current(api, rid), clock.now)
    late = clock(4 * 60)
    escalated = await step(api, hotline.escalate_overdue, late)
    assert rid in {r.id for r in escalated}
    row = await current(api, rid)
    assert row.level == "subdistrict"  # a department answers to the subdistrict
    assert rid in await queue("subdistrict1")  # escalated: in the office's queue again
    # Overdue since the overall due time, whatever the stage clock now says.
    assert row.stage_due_at > late and hotline.is_overdue(row, late)
    overdue = await act("subdistrict1", hotline.search, None, True, late)
    assert rid in {r.id for r in overdue}

    resolved = await act("dept_water", hotline.resolve, rid, "更换阀门，已修复", clock(10))
    assert (resolved.status, resolved.level) == ("resolved", "community")
    verified = await act("supervisor1", hotline.verify, rid, "approve", None, clock(10))
    assert verified.status == "verified"
    await act("supervisor1", hotline.give_feedback, rid, "已电话告知", clock(10))
    await act("subdistrict1", hotline.rate_as_manager, rid, 5, "", clock(10))
    closed = await current(api, rid)
    assert closed.status == "closed" and not hotline.is_overdue(closed, clock.now)

    dispatcher = await api.login("dispatcher")
    body = (await dispatcher.get(f"/api/v1/requests/{rid}")).json()
    assert body["overdue"] is False and body["routed_department"]["code"] == "DEP01"
    assert [e["action"] for e in body["timeline"]] == [
        "received",
        "dispatched",
        "escalated",
        "dispatched",
        "accepted",
        "transferred",
        "returned",
        "return_approved",
        "dispatched",
        "accepted",
        "escalated",
        "resolved",
        "verified",
        "feedback_given",
        "rated",
        "closed",
    ]
    transferred = body["timeline"][5]["params"]
    assert transferred["from_department"] == "DEP01" and transferred["department_code"] == "DEP04"
    assert body["timeline"][6]["note"] == "不属于供电问题，请社区核实"


async def test_overdue_holds_across_escalation_and_counts_everywhere(api):
    clock = Clock()
    async with api.runtime.sessions() as session, session.begin():
        gas = await hotline.create(
            session,
            await as_actor(session, "dispatcher"),
            {**CALL, "category_code": "repair.gas", "description": "闻到燃气味"},  # 2 h
            clock(),
        )
    later = clock(3 * 60)
    for _ in range(3):  # escalation restarts the stage clock each time
        await step(api, hotline.escalate_overdue, clock(60))
    async with api.runtime.sessions() as session:
        row = await session.get(HotlineRequest, gas.id)
        assert row.escalations >= 2 and row.stage_due_at > clock.now
        assert hotline.is_overdue(row, later) and hotline.is_overdue(row, clock.now)
        dispatcher = await as_actor(session, "dispatcher")
        listed = await hotline.search(session, dispatcher, None, True, clock.now, 1000)
        assert gas.id in {r.id for r in listed}
        board = await hotline.dashboard(session, dispatcher, clock.now)
        assert board.overall.overdue >= 1 and board.by_level
        assert "none" in board.by_department
        (shown,) = await hotline.public(session, [row], clock.now)
        assert shown.overdue is True
    # The demo holds requests long past their due time: the API shows them overdue.
    api_dispatcher = await api.login("dispatcher")
    overdue = (await api_dispatcher.get("/api/v1/requests", params={"overdue": True})).json()
    assert len(overdue) >= 10 and all(r["overdue"] for r in overdue)
    board = (await api_dispatcher.get("/api/v1/dashboard")).json()
    assert board["overall"]["overdue"] == len(overdue)
    assert "水务局" in board["by_department"]


async def test_who_sees_what_through_the_levels(api):
    departments = (await (await api.login("admin")).get("/api/v1/departments")).json()
    assert len(departments) == 35
    assert {"code": "DEP01", "name": "水务局"}.items() <= departments[0].items()
    water = await api.login("dept_water")
    assert water.user["role"] == "department"
    mine = (await water.get("/api/v1/requests")).json()
    assert mine and {r["routed_department"]["code"] for r in mine} == {"DEP01"}
    dispatcher = await api.login("dispatcher")
    everything = (await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json()
    others = next(r for r in everything if not r["routed_department"])
    # Another department's request, or one routed nowhere: not found, not forbidden.
    assert (await water.get(f"/api/v1/requests/{others['id']}")).status_code == 404
    theirs = mine[0]["id"]
    # Its own request: it may read it, but dispatching or assigning is not its to do.
    refused = await water.post(
        f"/api/v1/requests/{theirs}/dispatch", json={"org_unit_code": "D01-S01"}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"

    inspector = await api.login("inspector1")
    seen = (await inspector.get("/api/v1/requests", params={"limit": 1000})).json()
    assert {r["id"] for r in seen} == {r["id"] for r in everything}
    before = (await inspector.get(f"/api/v1/requests/{theirs}")).json()
    for path, body in (
        ("dispatch", {"org_unit_code": "D01-S01"}),
        ("assign", {"assignee_id": inspector.user["id"]}),
        ("accept", {}),
        ("resolve", {"note": "x"}),
        ("return", {"reason": "x"}),
        ("feedback", {"note": "x"}),
    ):
        answer = await inspector.post(f"/api/v1/requests/{theirs}/{path}", json=body)
        assert answer.status_code == 403, (path, answer.text)
    after = (await inspector.get(f"/api/v1/requests/{theirs}")).json()
    assert after["rev"] == before["rev"] and after["status"] == before["status"]

    # A subdistrict office sees its own subdistrict only.
    office = await api.login("subdistrict1")
    held = (await office.get("/api/v1/requests", params={"held": True})).json()
    assert held and all(r["held_by"]["code"] == "D01-S01" for r in held)
    neighbour = await api.login("sup_s02")
    assert (await neighbour.get(f"/api/v1/requests/{held[0]['id']}")).status_code == 404
    watch = (await inspector.get("/api/v1/supervision")).json()
    assert watch and all(r["overdue"] or (r["rating"] or 5) <= 2 for r in watch)
    worker = await api.login("worker1")
    assert (await worker.get("/api/v1/supervision")).status_code == 403
    # Inspectors read the rest of their subtree too: visits, plans, alerts.
    visits = (await inspector.get("/api/v1/visits", params={"limit": 1000})).json()
    assert len(visits) >= 20
    assert (await inspector.get("/api/v1/alerts")).status_code == 200
    visit = visits[0]
    pushed = await inspector.push(("visit.cancel", {"visit_id": visit["id"], "reason": "x"}))
    assert pushed.json()["results"][0]["status"] == "rejected"
    assert (await inspector.get(f"/api/v1/visits/{visit['id']}")).json()["status"] == visit[
        "status"
    ]


async def test_a_supervision_note_is_answered_by_the_responsible_level(api):
    dispatcher = await api.login("dispatcher")
    inspector, water = await api.login("inspector1"), await api.login("dept_water")
    rid = (await water.get("/api/v1/requests")).json()[0]["id"]
    noted = await inspector.post(
        f"/api/v1/requests/{rid}/supervision", json={"note": "请说明处理进度"}
    )
    assert noted.status_code == 201, noted.text
    note = noted.json()["supervision"][-1]
    assert note["answer"] == "" and noted.json()["timeline"][-1]["action"] == "supervised"
    # Nobody but the responsible level answers; a note is answered once.
    for outsider in (inspector, await api.login("worker3")):
        refused = await outsider.post(
            f"/api/v1/requests/{rid}/supervision/{note['id']}/answer", json={"note": "x"}
        )
        assert refused.status_code in (403, 404)
    answered = await water.post(
        f"/api/v1/requests/{rid}/supervision/{note['id']}/answer", json={"note": "已派人抢修"}
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["supervision"][-1]["answer"] == "已派人抢修"
    assert answered.json()["timeline"][-1]["action"] == "answered"
    again = await water.post(
        f"/api/v1/requests/{rid}/supervision/{note['id']}/answer", json={"note": "y"}
    )
    assert again.status_code == 409
    # Only inspectors add notes; a bad note id is not found.
    assert (
        await dispatcher.post(f"/api/v1/requests/{rid}/supervision", json={"note": "x"})
    ).status_code == 403
    missing = await water.post(
        f"/api/v1/requests/{rid}/supervision/{uuid.uuid4()}/answer", json={"note": "x"}
    )
    assert missing.status_code == 404


async def test_a_department_needs_a_reason_to_return_and_staff_exist_everywhere(api):
    water = await api.login("dept_water")
    rid = (await water.get("/api/v1/requests")).json()[0]["id"]
    for body in ({}, {"reason": ""}):
        refused = await water.post(f"/api/v1/requests/{rid}/return", json=body)
        assert refused.status_code in (400, 422) and refused.json()["code"] == "invalid_request"
    unknown = await water.post(
        f"/api/v1/requests/{rid}/transfer", json={"department_code": "DEP99"}
    )
    assert unknown.status_code == 404
    admin = await api.login("admin")
    units = (await admin.get("/api/v1/org-units")).json()
    users = (await admin.get("/api/v1/users", params={"limit": 1000})).json()
    staffed = {(u["org_unit_id"], u["role"]) for u in users}
    for unit in units:
        if unit["level"] != "district":
            assert (unit["id"], "supervisor") in staffed and (unit["id"], "worker") in staffed, unit
    assert {"subdistrict1", "dept_water", "inspector1"} <= {u["username"] for u in users}
