"""Who sees and changes what, by role and place in the tree, through the real HTTP API."""

import uuid

from tests.support.server import database_state
from tests.test_http_auth import is_problem


async def ids(api):
    supervisor = await api.login("supervisor1")
    worker1 = await api.login("worker1")
    residents = (await supervisor.get("/api/v1/residents", params={"limit": 1000})).json()
    visits = (await worker1.get("/api/v1/visits")).json()
    return residents, visits


async def test_worker3_can_neither_read_nor_change_another_subdistrict(api):
    residents, visits = await ids(api)
    resident, visit = residents[0], visits[0]
    worker3 = await api.login("worker3")
    before = await database_state(api)

    is_problem(await worker3.get(f"/api/v1/residents/{resident['id']}"), 404, "not_found")
    is_problem(await worker3.get(f"/api/v1/visits/{visit['id']}"), 404, "not_found")
    listed = (await worker3.get("/api/v1/residents", params={"limit": 1000})).json()
    assert resident["id"] not in {r["id"] for r in listed}
    assert all(r["community_id"] != resident["community_id"] for r in listed)
    # Through the sync push: each mutation rejected with a reason, nothing applied.
    response = await worker3.push(
        ("resident.update", {"id": resident["id"], "fields": {"phone": "110"}}),
        ("visit.start", {"visit_id": visit["id"], "at": "2026-11-27T08:00:00Z"}),
        (
            "checkin.record",
            {
                "id": str(uuid.uuid4()),
                "resident_id": resident["id"],
                "at": "2026-11-27T08:00:00Z",
                "seen_in_person": True,
                "wellbeing": "good",
                "notes": "",
            },
        ),
        ("visit.cancel", {"visit_id": visit["id"], "reason": "x"}),
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 4
    assert all(r["error"]["message"] for r in results)
    # Through the REST API.
    # Outside one's part of the tree a record does not exist, as far as the answer tells.
    is_problem(
        await worker3.post(f"/api/v1/visits/{visit['id']}/cancel", json={"reason": "x"}),
        404,
        "not_found",
    )
    after = await database_state(api)
    # Sign-ins add devices, tokens and audit rows; the refusals add their four log rows.
    assert after.pop("mutation_log") == before.pop("mutation_log") + 4
    for bookkeeping in ("device", "audit_entry", "refresh_token"):
        after.pop(bookkeeping), before.pop(bookkeeping)
    assert after == before
    resident_now = (
        await (await api.login("supervisor1")).get(f"/api/v1/residents/{resident['id']}")
    ).json()
    assert resident_now["phone"] == resident["phone"]


async def test_a_community_supervisor_sees_their_community_only(api):
    supervisor = await api.login("supervisor1")
    units = (await supervisor.get("/api/v1/org-units")).json()
    assert [u["code"] for u in units] == ["D01-S01-C01"]
    residents = (await supervisor.get("/api/v1/residents", params={"limit": 1000})).json()
    assert residents and {r["community_id"] for r in residents} == {units[0]["id"]}
    visits = (await supervisor.get("/api/v1/visits", params={"limit": 1000})).json()
    assert visits and {v["community_id"] for v in visits} == {units[0]["id"]}
    records, _ = await supervisor.pull_all()
    communities = {d["community_id"] for (e, _), d in records.items() if e == "resident"}
    assert communities == {units[0]["id"]}


async def test_a_district_admin_sees_all(api):
    admin = await api.login("admin")
    units = (await admin.get("/api/v1/org-units")).json()
    assert len(units) == 1 + 15 + 99
    residents = (await admin.get("/api/v1/residents", params={"limit": 1000})).json()
    assert len({r["community_id"] for r in residents}) == 99
    assert len(residents) >= 300
    worker3 = await api.login("worker3")
    visits3 = (await worker3.get("/api/v1/visits")).json()
    assert visits3
    seen = await admin.get(f"/api/v1/visits/{visits3[0]['id']}")
    assert seen.status_code == 200


async def test_workers_see_their_own_visits_and_their_community(api):
    worker1 = await api.login("worker1")
    worker2 = await api.login("worker2")
    mine = (await worker1.get("/api/v1/visits")).json()
    theirs = (await worker2.get("/api/v1/visits")).json()
    assert len([v for v in mine if v["status"] == "assigned"]) >= 5
    assert len([v for v in theirs if v["status"] == "assigned"]) >= 5
    assert {v["assignee_id"] for v in mine} == {worker1.user["id"]}
    is_problem(await worker1.get(f"/api/v1/visits/{theirs[0]['id']}"), 404, "not_found")


async def test_mentor_sees_only_the_families_they_mentor(api):
    mentor = await api.login("mentor1")
    residents = (await mentor.get("/api/v1/residents", params={"limit": 1000})).json()
    assert residents
    assert {r["mentor_id"] for r in residents} == {mentor.user["id"]}
    records, _ = await mentor.pull_all()
    pulled = [d for (e, _), d in records.items() if e == "resident"]
    assert {r["id"] for r in pulled} == {r["id"] for r in residents}


async def test_managers_set_work_in_motion_within_their_part_only(api):
    supervisor = await api.login("supervisor1")
    worker1 = await api.login("worker1")
    created = await supervisor.post(
        "/api/v1/residents",
        json={
            "name": "孙桂兰",
            "community_code": "D01-S01-C01",
            "address": "和平路1号",
            "birth_year": 1941,
            "living_alone": True,
        },
    )
    assert created.status_code == 201, created.text
    resident = created.json()
    visit = await supervisor.post(
        "/api/v1/visits",
        json={
            "resident_id": resident["id"],
            "kind": "checkin",
            "assignee_id": worker1.user["id"],
            "title": "独居老人探访",
        },
    )
    assert visit.status_code == 201, visit.text
    assert visit.json()["status"] == "assigned"
    mine = {v["id"] for v in (await worker1.get("/api/v1/visits")).json()}
    assert visit.json()["id"] in mine
    # Not in another community, and not to a worker of another community.
    elsewhere = await supervisor.post(
        "/api/v1/residents", json={"name": "周建国", "community_code": "D01-S02-C01"}
    )
    is_problem(elsewhere, 403, "out_of_scope")
    worker3 = await api.login("worker3")
    foreign = await supervisor.post(
        "/api/v1/visits",
        json={"resident_id": resident["id"], "kind": "checkin", "assignee_id": worker3.user["id"]},
    )
    is_problem(foreign, 403, "out_of_scope")
    is_problem(
        await worker1.post(
            "/api/v1/residents", json={"name": "x", "community_code": "D01-S01-C01"}
        ),
        403,
        "out_of_scope",
    )
    dispatcher = await api.login("dispatcher")
    far = await dispatcher.post(
        "/api/v1/residents", json={"name": "钱淑珍", "community_code": "D01-S15-C06"}
    )
    assert far.status_code == 201, far.text
