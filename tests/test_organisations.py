"""The register of social organisations, volunteer teams and patrols: listing in scope,
adding, activities, and the figures the district reports."""

import uuid
from datetime import date, timedelta

from tests.support.server import database_state

C01, C02 = "D01-S01-C01", "D01-S01-C02"


async def test_the_demo_register_and_its_figures(api):
    admin = await api.login("admin")
    rows = (await admin.get("/api/v1/organisations", params={"limit": 1000})).json()
    kinds = {
        kind: [r for r in rows if r["kind"] == kind]
        for kind in ("social_org", "volunteer_team", "patrol_team")
    }
    assert all(len(found) >= 10 for found in kinds.values())
    assert len({r["org_unit"] for r in rows}) > 50  # spread across the tree
    assert any("两老" in r["name"] for r in kinds["patrol_team"])
    figures = (await admin.get("/api/v1/organisations/figures")).json()
    assert figures["organisations"] == len(kinds["social_org"])
    assert figures["volunteer_teams"] == len(kinds["volunteer_team"])
    assert figures["patrol_teams"] == len(kinds["patrol_team"])
    assert figures["members"] == sum(r["member_count"] for r in rows)
    assert figures["activities"] == sum(r["activities"] for r in rows) > 100
    assert figures["hours"] == round(sum(r["hours"] for r in rows), 1)
    # A community supervisor sees its own community's, and figures of that alone.
    supervisor = await api.login("supervisor1")
    mine = (await supervisor.get("/api/v1/organisations")).json()
    assert mine and {r["org_unit"] for r in mine} == {C01}
    theirs = (await supervisor.get("/api/v1/organisations/figures")).json()
    assert theirs["members"] == sum(r["member_count"] for r in mine)
    patrols = await admin.get("/api/v1/organisations", params={"kind": "patrol_team"})
    assert {r["kind"] for r in patrols.json()} == {"patrol_team"}
    assert (await admin.get("/api/v1/organisations", params={"kind": "club"})).status_code == 400
    outside = await supervisor.get("/api/v1/organisations", params={"org_unit": C02})
    assert outside.status_code == 404


async def test_adding_an_organisation_and_its_activities(api):
    supervisor = await api.login("supervisor1")
    worker = await api.login("worker1")
    body = {
        "kind": "patrol_team",
        "org_unit": C01,
        "name": "幸福里“两老”夜巡队",
        "contact_name": "王建国",
        "contact_phone": "13912345678",
        "members": ["王建国", "李淑芬", "赵德明"],
    }
    created = await supervisor.post("/api/v1/organisations", json=body)
    assert created.status_code == 201, created.text
    team = created.json()
    assert team["member_count"] == 3 and team["org_unit"] == C01 and team["activities"] == 0
    before = (await supervisor.get("/api/v1/organisations/figures")).json()
    activity = {
        "on_date": (date.today() - timedelta(days=3)).isoformat(),
        "title": "夜间治安巡逻",
        "place": "幸福里小区",
        "participants": 3,
        "hours": 6,
    }
    url = f"/api/v1/organisations/{team['id']}/activities"
    added = await worker.post(url, json=activity)
    assert added.status_code == 201, added.text
    detail = (await worker.get(f"/api/v1/organisations/{team['id']}")).json()
    assert detail["activities"] == 1 and detail["hours"] == 6
    assert detail["recent"][0]["title"] == "夜间治安巡逻"
    after = (await supervisor.get("/api/v1/organisations/figures")).json()
    assert after["patrol_teams"] == before["patrol_teams"]
    assert after["activities"] == before["activities"] + 1
    assert after["participants"] == before["participants"] + 3
    assert after["hours"] == round(before["hours"] + 6, 1)
    # Refusals change nothing.
    worker3 = await api.login("worker3")
    state = await database_state(api)
    for session, url_, payload, status in (
        (worker, "/api/v1/organisations", body, 403),
        (supervisor, "/api/v1/organisations", {**body, "org_unit": C02}, 404),
        (supervisor, "/api/v1/organisations", {**body, "kind": "club"}, 400),
        (supervisor, "/api/v1/organisations", {**body, "name": ""}, 400),
        (supervisor, url, {**activity, "participants": 0}, 400),
        (supervisor, url, {**activity, "on_date": "1899-01-01"}, 422),
        (worker3, url, activity, 404),
        (supervisor, f"/api/v1/organisations/{uuid.uuid4()}/activities", activity, 404),
    ):
        response = await session.post(url_, json=payload)
        assert response.status_code == status, (url_, payload, response.text)
    assert await database_state(api) == state
    trail = (await (await api.login("admin")).get("/api/v1/audit")).json()
    assert {"organisation.create", "organisation.activity"} <= {e["action"] for e in trail}
