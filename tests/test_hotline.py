"""The hotline: a resident's call to their rating, escalation, and who sees what."""

import re
import uuid
from datetime import timedelta

from sqlalchemy import select

from server.auth.passwords import hash_password
from server.auth.tables import User
from server.clock import utcnow
from server.hotline import service as hotline
from server.org.tables import OrgUnit
from shared import requests as lifecycle
from tests.support.server import database_state
from tests.test_http_auth import is_problem


async def leaking_pipe(api, dispatcher, resident) -> dict:
    response = await dispatcher.post(
        "/api/v1/requests",
        json={
            "channel": "phone",
            "caller_name": resident["name"],
            "caller_phone": resident["phone"],
            "address": resident["address"],
            "resident_id": resident["id"],
            "category_code": "repair.water",
            "description": "厨房水管漏水，地面已经积水",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


async def elderly_resident(api) -> dict:
    supervisor = await api.login("supervisor1")
    residents = (await supervisor.get("/api/v1/residents", params={"limit": 1000})).json()
    return next(r for r in residents if r["living_alone"])


async def test_from_the_call_to_the_rating(api):
    dispatcher = await api.login("dispatcher")
    board_before = (await dispatcher.get("/api/v1/dashboard")).json()
    resident = await elderly_resident(api)
    request = await leaking_pipe(api, dispatcher, resident)
    assert request["status"] == "received"
    assert request["community"]["code"] == "D01-S01-C01"  # found from the resident
    assert len(request["number"]) == 11 and request["number"][6] == "-"
    assert request["due_at"] > request["received_at"]
    rid = request["id"]

    dispatched = await dispatcher.post(
        f"/api/v1/requests/{rid}/dispatch", json={"note": "水管漏水，请社区上门"}
    )
    assert dispatched.json()["status"] == "dispatched"
    worker = await api.login("worker1")
    assigned = await dispatcher.post(
        f"/api/v1/requests/{rid}/assign", json={"assignee_id": worker.user["id"]}
    )
    assert assigned.status_code == 200, assigned.text
    visit_id = assigned.json()["visit_id"]

    # The worker's phone gets the visit and the request, and works it.
    records, _ = await worker.pull_all()
    assert records[("visit", visit_id)]["request_id"] == rid
    assert records[("request", rid)]["status"] == "assigned"
    response = await worker.push(
        ("visit.start", {"visit_id": visit_id, "at": utcnow().isoformat()}),
        (
            "visit.complete",
            {
                "visit_id": visit_id,
                "at": utcnow().isoformat(),
                "summary": "更换了水管接头，已不再漏水",
            },
        ),
    )
    assert [r["status"] for r in response.json()["results"]] == ["applied", "applied"]
    assert (await dispatcher.get(f"/api/v1/requests/{rid}")).json()["status"] == "resolved"

    supervisor = await api.login("supervisor1")
    verified = await supervisor.post(f"/api/v1/requests/{rid}/verify", json={"decision": "approve"})
    assert verified.json()["status"] == "verified", verified.text
    told = await dispatcher.post(
        f"/api/v1/requests/{rid}/feedback", json={"note": "已电话告知居民维修结果"}
    )
    assert told.json()["status"] == "feedback_given"
    # The caller rates it on the phone; the dispatcher records it (a resident with a tracking
    # token rates it themselves: tests/test_public_api.py).
    rated = await dispatcher.post(
        f"/api/v1/requests/{rid}/rating", json={"score": 5, "comment": "师傅来得很快"}
    )
    assert rated.json()["status"] == "closed"

    final = (await dispatcher.get(f"/api/v1/requests/{rid}")).json()
    assert [e["action"] for e in final["timeline"]] == [
        "received",
        "dispatched",
        "assigned",
        "started",
        "resolved",
        "verified",
        "feedback_given",
        "rated",
        "closed",
    ]
    assert final["rating"] == 5
    before = board_before["overall"]
    board = (await dispatcher.get("/api/v1/dashboard")).json()
    assert board["overall"]["total"] == before["total"] + 1
    assert board["overall"]["rated"] == before["rated"] + 1
    assert board["by_category"]["repair.water"]["total"] >= 1
    assert board["by_community"]["和平春晖社区"]["median_hours_to_resolve"] is not None


async def test_a_poor_rating_reopens_and_sending_back_reworks(api):
    dispatcher = await api.login("dispatcher")
    resident = await elderly_resident(api)
    rid = (await leaking_pipe(api, dispatcher, resident))["id"]
    await dispatcher.post(f"/api/v1/requests/{rid}/dispatch", json={})
    worker = await api.login("worker1")
    visit_id = (
        await dispatcher.post(
            f"/api/v1/requests/{rid}/assign", json={"assignee_id": worker.user["id"]}
        )
    ).json()["visit_id"]
    now = utcnow().isoformat()
    await worker.push(
        ("visit.start", {"visit_id": visit_id, "at": now}),
        ("visit.complete", {"visit_id": visit_id, "at": now, "summary": "修好了"}),
    )
    supervisor = await api.login("supervisor1")
    back = await supervisor.post(
        f"/api/v1/requests/{rid}/verify",
        json={"decision": "reject", "reason": "请拍照确认"},
    )
    assert back.json()["status"] == "in_progress"
    await worker.push(
        ("visit.start", {"visit_id": visit_id, "at": now}),
        ("visit.complete", {"visit_id": visit_id, "at": now, "summary": "已拍照"}),
    )
    await supervisor.post(f"/api/v1/requests/{rid}/verify", json={"decision": "approve"})
    await dispatcher.post(f"/api/v1/requests/{rid}/feedback", json={"note": "已告知"})
    reopened = await dispatcher.post(
        f"/api/v1/requests/{rid}/rating", json={"score": 1, "comment": "还是漏"}
    )
    body = reopened.json()
    assert body["status"] == "dispatched" and body["reopened"] == 1
    assert body["timeline"][-1]["action"] == "reopened"
    # A closed step cannot be repeated: the request waits for a new assignment.
    is_problem(
        await dispatcher.post(f"/api/v1/requests/{rid}/feedback", json={"note": "x"}),
        409,
        "invalid_transition",
    )


async def test_overdue_requests_escalate_one_level_at_a_time(api):
    dispatcher = await api.login("dispatcher")
    resident = await elderly_resident(api)
    request = await leaking_pipe(api, dispatcher, resident)
    later = utcnow() + timedelta(hours=1)  # water repairs: 4 h; a stage here: 0.4 h
    ours = uuid.UUID(request["id"])
    async with api.runtime.sessions() as session, session.begin():
        escalated = await hotline.escalate_overdue(session, later)
    assert ours in {r.id for r in escalated}
    async with api.runtime.sessions() as session, session.begin():
        again = await hotline.escalate_overdue(session, later)
        assert ours not in {r.id for r in again}  # once per stage limit
        await hotline.escalate_overdue(session, later + timedelta(hours=2))
    body = (await dispatcher.get(f"/api/v1/requests/{request['id']}")).json()
    assert body["level"] == "district" and body["escalations"] == 2
    assert [e["action"] for e in body["timeline"]].count("escalated") == 2
    # Each escalation restarted the stage's clock; overdue counts the overall due time (4 h
    # from the call), not yet past, so the overdue list does not show it.
    assert body["stage_due_at"] > (later + timedelta(hours=2)).isoformat()[:19]
    overdue = (await dispatcher.get("/api/v1/requests", params={"overdue": True})).json()
    assert request["id"] not in {r["id"] for r in overdue}


def test_stage_limits_and_levels():
    start = utcnow()
    assert lifecycle.stage_due("in_progress", start, 10) == start + timedelta(hours=6)
    assert lifecycle.level_up("community") == "subdistrict"
    assert lifecycle.level_up("district") is None
    assert lifecycle.after_rating(2) == "reopen" and lifecycle.after_rating(3) == "close"


async def test_who_sees_which_requests(api):
    dispatcher = await api.login("dispatcher")
    resident = await elderly_resident(api)
    mine = await leaking_pipe(api, dispatcher, resident)
    elsewhere = await dispatcher.post(
        "/api/v1/requests",
        json={
            "channel": "web",
            "caller_name": "钱先生",
            "caller_phone": "13900001111",
            "address": "胜利某社区不存在的地址",
            "category_code": "environment.sanitation",
            "description": "楼道堆放垃圾",
        },
    )
    other = (
        await dispatcher.post(
            "/api/v1/requests",
            json={
                "channel": "walk_in",
                "caller_name": "周女士",
                "caller_phone": "13900002222",
                "address": "建设路1号",
                "category_code": "info.resident",
                "description": "咨询低保政策",
            },
        )
    ).json()
    await dispatcher.post(
        f"/api/v1/requests/{other['id']}/dispatch", json={"community_code": "D01-S02-C01"}
    )
    # A subdistrict supervisor for D01-S01.
    async with api.runtime.sessions() as session, session.begin():
        unit = await session.scalar(select(OrgUnit).where(OrgUnit.code == "D01-S01"))
        session.add(
            User(
                username="sub1",
                display_name="街道主任",
                role="supervisor",
                org_unit_id=unit.id,
                password_hash=hash_password("pw-pw-pw", 1024, 1),
            )
        )
    sub = await api.login("sub1", "pw-pw-pw")
    community = await api.login("supervisor1")
    worker3 = await api.login("worker3")

    def ids(response):
        return {r["id"] for r in response.json()}

    assert {mine["id"], other["id"], elsewhere.json()["id"]} <= ids(
        await dispatcher.get("/api/v1/requests")
    )
    assert mine["id"] in ids(await community.get("/api/v1/requests"))
    assert other["id"] not in ids(await community.get("/api/v1/requests"))
    assert mine["id"] in ids(await sub.get("/api/v1/requests"))
    assert other["id"] not in ids(await sub.get("/api/v1/requests"))
    assert ids(await worker3.get("/api/v1/requests")) == set()
    is_problem(await worker3.get(f"/api/v1/requests/{mine['id']}"), 404, "not_found")
    is_problem(await community.get(f"/api/v1/requests/{other['id']}"), 404, "not_found")
    csv_text = (await dispatcher.get("/api/v1/requests/export.csv", params={"lang": "en"})).text
    assert csv_text.lstrip("\ufeff").startswith("Number,Status,Overdue,Level,Category,Community")
    assert mine["number"] in csv_text
    chinese = (await dispatcher.get("/api/v1/requests/export.csv")).text
    assert chinese.lstrip("\ufeff").startswith("编号,状态,是否超时,层级,类别,社区,承办部门")
    row = next(line for line in chinese.splitlines() if mine["number"] in line)
    assert "供水管道维修" in row and "repair." not in row
    assert re.search(r",20\d\d-\d\d-\d\d \d\d:\d\d,", row)  # local, as a spreadsheet reads it


async def test_a_worker_starts_a_request_at_the_door(api):
    worker = await api.login("worker1")
    resident = (await worker.get("/api/v1/residents", params={"limit": 1})).json()[0]
    request_id = str(uuid.uuid4())
    response = await worker.push(
        (
            "request.create",
            {
                "id": request_id,
                "resident_id": resident["id"],
                "category_code": "repair.heating",
                "description": "暖气不热，老人怕冷",
            },
        )
    )
    assert response.json()["results"][0]["status"] == "applied", response.text
    dispatcher = await api.login("dispatcher")
    body = (await dispatcher.get(f"/api/v1/requests/{request_id}")).json()
    assert body["channel"] == "app" and body["status"] == "dispatched"
    assert body["community"]["code"] == "D01-S01-C01"
    worker3 = await api.login("worker3")
    forged = await worker3.push(
        (
            "request.create",
            {
                "id": str(uuid.uuid4()),
                "resident_id": resident["id"],
                "category_code": "repair.heating",
                "description": "x",
            },
        )
    )
    assert forged.json()["results"][0]["status"] == "rejected"


async def test_dispatch_names_departments_by_code_only(api):
    """Contract v3: the free-text `department` of v1 is gone (a 200-character one was a 500 on
    PostgreSQL); a department is named by `department_code`, a bounded, known code."""
    dispatcher = await api.login("dispatcher")
    listed = (await dispatcher.get("/api/v1/requests", params={"status": "received"})).json()
    rid = listed[0]["id"]
    before = await database_state(api)
    for body in ({"department": "城管局XYZ"}, {"department": "水" * 200}):
        answer = await dispatcher.post(f"/api/v1/requests/{rid}/dispatch", json=body)
        assert answer.status_code == 400, answer.text
    long_code = await dispatcher.post(
        f"/api/v1/requests/{rid}/dispatch", json={"department_code": "D" * 200}
    )
    assert long_code.status_code == 400, long_code.text
    assert await database_state(api) == before
    routed = await dispatcher.post(
        f"/api/v1/requests/{rid}/dispatch", json={"department_code": "DEP01"}
    )
    assert routed.status_code == 200, routed.text
    assert routed.json()["routed_department"]["code"] == "DEP01"
