"""Accounts managed over the API: create, disable, reset, reassign, within the manager's subtree.

Hostile bodies get a clear 4xx and change nothing; a disabled account neither signs in nor syncs.
"""

import uuid

import pytest

from tests.support.server import database_state

NEW_PASSWORD = "a-new-pass-2026"


def account(username: str, role: str = "worker", unit: str = "D01-S01-C01", **extra) -> dict:
    return {
        "username": username,
        "password": "field-pass-2026",
        "display_name": "王小明",
        "role": role,
        "org_unit_code": unit,
        **extra,
    }


async def sign_in(api, username: str, password: str) -> int:
    body = {"username": username, "password": password, "device_id": str(uuid.uuid4())}
    return (await api.client.post("/api/v1/auth/login", json=body)).status_code


def is_problem(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if code:
        assert response.json()["code"] == code, response.text


async def test_an_admin_creates_an_account_that_signs_in(api):
    admin = await api.login("admin")
    created = await admin.post("/api/v1/users", json=account("wang.xm"))
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["username"] == "wang.xm" and user["role"] == "worker" and user["active"]
    assert "password" not in created.text and "hash" not in created.text
    session = await api.login("wang.xm", "field-pass-2026")
    me = (await session.get("/api/v1/me")).json()
    assert me["org_unit"]["code"] == "D01-S01-C01" and me["display_name"] == "王小明"
    # The same username again, in any case, is taken.
    for name in ["wang.xm", "WANG.XM"]:
        is_problem(await admin.post("/api/v1/users", json=account(name)), 409, "username_taken")
    assert (await admin.get(f"/api/v1/users/{user['id']}")).json()["id"] == user["id"]
    trail = (await admin.get("/api/v1/audit", params={"limit": 50})).json()
    created_entry = next(e for e in trail if e["action"] == "user.create")
    assert created_entry["record_id"] == user["id"]
    assert created_entry["detail"] == {
        "username": "wang.xm",
        "role": "worker",
        "unit": "D01-S01-C01",
    }


BAD_BODIES = [
    ("short password", {"password": "short"}),
    ("username with a space", {"username": "wang xm"}),
    ("username of two letters", {"username": "wx"}),
    ("script in the username", {"username": "<script>alert(1)</script>"}),
    ("NUL in the name", {"display_name": "王\x00小明"}),
    ("line break in the name", {"display_name": "王\n小明"}),
    ("blank name", {"display_name": "   "}),
    ("unknown role", {"role": "superuser"}),
    ("role of the wrong type", {"role": 3}),
    ("unknown unit", {"org_unit_code": "D99"}),
    ("extra member", {"is_admin": True}),
    ("long password", {"password": "x" * 201}),
]


@pytest.mark.parametrize("label, change", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
async def test_hostile_bodies_get_a_clear_4xx_and_change_nothing(api, label, change):
    admin = await api.login("admin")
    before = await database_state(api)
    response = await admin.post("/api/v1/users", json={**account("someone"), **change})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await database_state(api) == before
    for body in ["[]", "null", '{"username": ', '"x"']:
        raw = await admin.post(
            "/api/v1/users", content=body, headers={"content-type": "application/json"}
        )
        assert 400 <= raw.status_code < 500, raw.text


async def test_a_disabled_account_cannot_sign_in_or_sync(api):
    admin = await api.login("admin")
    worker = await api.login("worker2")
    user_id = worker.user["id"]
    disabled = await admin.client.patch(
        f"/api/v1/users/{user_id}", json={"active": False}, headers=admin.headers
    )
    assert disabled.status_code == 200 and disabled.json()["active"] is False, disabled.text
    assert await sign_in(api, "worker2", "demo-pass-2026") == 401
    is_problem(await worker.get("/api/v1/sync/pull"), 401, "unauthorized")
    is_problem(await worker.push(("visit.start", {})), 401, "unauthorized")
    refreshed = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": worker.refresh_token}
    )
    is_problem(refreshed, 401, "unauthorized")
    enabled = await admin.client.patch(
        f"/api/v1/users/{user_id}", json={"active": True}, headers=admin.headers
    )
    assert enabled.json()["active"] is True
    assert await sign_in(api, "worker2", "demo-pass-2026") == 200
    trail = (await admin.get("/api/v1/audit", params={"limit": 50})).json()
    actions = [entry["action"] for entry in trail if entry["record_id"] == user_id]
    assert "user.disable" in actions and "user.enable" in actions


async def test_a_password_reset_ends_the_accounts_sessions(api):
    supervisor = await api.login("supervisor1")
    worker = await api.login("worker1")
    assert (await worker.get("/api/v1/sync/pull")).status_code == 200
    reset = await supervisor.post(
        f"/api/v1/users/{worker.user['id']}/password", json={"password": NEW_PASSWORD}
    )
    assert reset.status_code == 200, reset.text
    is_problem(await worker.get("/api/v1/sync/pull"), 401, "unauthorized")
    refreshed = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": worker.refresh_token}
    )
    is_problem(refreshed, 401, "unauthorized")
    assert await sign_in(api, "worker1", "demo-pass-2026") == 401
    again = await api.login("worker1", NEW_PASSWORD, device_id=worker.device_id)
    assert (await again.get("/api/v1/sync/pull")).status_code == 200
    trail = (await supervisor.get("/api/v1/audit", params={"limit": 50})).json()
    reset_entry = next(e for e in trail if e["action"] == "user.password_reset")
    assert reset_entry["record_id"] == worker.user["id"]
    assert reset_entry["actor_id"] == supervisor.user["id"]
    assert "password" not in str(reset_entry["detail"]).replace("password_reset", "")
    is_problem(
        await supervisor.post(
            f"/api/v1/users/{worker.user['id']}/password", json={"password": "short"}
        ),
        400,
    )


async def test_changing_an_accounts_unit_moves_what_its_phone_holds(api):
    admin = await api.login("admin")
    worker = await api.login("worker3")
    before, _ = await worker.pull_all()
    moved = await admin.client.patch(
        f"/api/v1/users/{worker.user['id']}",
        json={"org_unit_code": "D01-S01-C01", "display_name": "调岗的网格员"},
        headers=admin.headers,
    )
    assert moved.status_code == 200, moved.text
    units = {u["code"]: u["id"] for u in (await admin.get("/api/v1/org-units")).json()}
    assert moved.json()["org_unit_id"] == units["D01-S01-C01"]
    after, _ = await worker.pull_all()  # a fresh pull as the token's account is now
    communities = lambda records: {  # noqa: E731
        data["community_id"] for (entity, _), data in records.items() if entity == "resident"
    }
    assert communities(before) == {units["D01-S02-C01"]}
    assert communities(after) == {units["D01-S01-C01"]}
    trail = (await admin.get("/api/v1/audit", params={"limit": 50})).json()
    moved_entry = next(e for e in trail if e["action"] == "user.update")
    assert moved_entry["detail"]["unit"] == ["D01-S02-C01", "D01-S01-C01"]


async def test_a_supervisor_acts_only_below_its_own_role_and_within_its_subtree(api):
    supervisor = await api.login("supervisor1")  # supervisor of D01-S01-C01
    created = await supervisor.post("/api/v1/users", json=account("c01.worker"))
    assert created.status_code == 201, created.text
    mentor = await supervisor.post("/api/v1/users", json=account("c01.mentor", role="mentor"))
    assert mentor.status_code == 201, mentor.text
    for role in ["admin", "dispatcher", "supervisor"]:
        refused = await supervisor.post("/api/v1/users", json=account(f"c01.{role}", role=role))
        is_problem(refused, 403, "forbidden")
    outside = await supervisor.post("/api/v1/users", json=account("s02.w", unit="D01-S02-C01"))
    is_problem(outside, 403, "forbidden")
    above = await supervisor.post("/api/v1/users", json=account("s01.w", unit="D01-S01"))
    is_problem(above, 403, "forbidden")
    # Raising one of its own workers to supervisor, or moving them out, is refused too.
    worker_id = created.json()["id"]
    for change in [{"role": "supervisor"}, {"role": "admin"}, {"org_unit_code": "D01-S02-C01"}]:
        refused = await supervisor.client.patch(
            f"/api/v1/users/{worker_id}", json=change, headers=supervisor.headers
        )
        is_problem(refused, 403, "forbidden")
    # Accounts outside its subtree do not exist as far as it can tell.
    worker3 = await api.login("worker3")
    admin = await api.login("admin")
    for target in [worker3.user["id"], admin.user["id"], str(uuid.uuid4())]:
        is_problem(await supervisor.get(f"/api/v1/users/{target}"), 404, "not_found")
        patched = await supervisor.client.patch(
            f"/api/v1/users/{target}", json={"active": False}, headers=supervisor.headers
        )
        is_problem(patched, 404, "not_found")
        is_problem(await supervisor.get(f"/api/v1/users/{target}/scope-preview"), 404)
        is_problem(await supervisor.get("/api/v1/devices", params={"user_id": target}), 404)
    # Its own account: not to be disabled or reassigned by itself.
    own = await supervisor.client.patch(
        f"/api/v1/users/{supervisor.user['id']}",
        json={"active": False},
        headers=supervisor.headers,
    )
    is_problem(own, 403, "forbidden")


async def test_a_subdistrict_supervisor_appoints_community_supervisors(api):
    subdistrict = await api.login("subdistrict1") if await _exists(api, "subdistrict1") else None
    if subdistrict is None:
        admin = await api.login("admin")
        made = await admin.post(
            "/api/v1/users", json=account("s01.lead", role="supervisor", unit="D01-S01")
        )
        assert made.status_code == 201, made.text
        subdistrict = await api.login("s01.lead", "field-pass-2026")
    made = await subdistrict.post(
        "/api/v1/users", json=account("c02.lead", role="supervisor", unit="D01-S01-C02")
    )
    assert made.status_code == 201, made.text
    peer = await subdistrict.post(
        "/api/v1/users", json=account("s01.peer", role="supervisor", unit="D01-S01")
    )
    is_problem(peer, 403, "forbidden")


async def _exists(api, username: str) -> bool:
    return await sign_in(api, username, "demo-pass-2026") == 200


async def test_workers_mentors_and_dispatchers_manage_no_accounts(api):
    for username in ["worker1", "mentor1", "dispatcher"]:
        caller = await api.login(username)
        is_problem(await caller.post("/api/v1/users", json=account(f"x.{username}")), 403)
    worker = await api.login("worker1")
    is_problem(await worker.get("/api/v1/devices"), 403, "forbidden")
    is_problem(await worker.get(f"/api/v1/users/{worker.user['id']}/scope-preview"), 404)


async def test_devices_list_with_last_contact_and_revoke(api):
    supervisor = await api.login("supervisor1")
    worker = await api.login("worker1")
    await worker.push()  # nothing to push: a contact all the same
    listed = await supervisor.get("/api/v1/devices", params={"user_id": worker.user["id"]})
    assert listed.status_code == 200, listed.text
    device = next(d for d in listed.json() if d["id"] == worker.device_id)
    assert device["username"] == "worker1" and device["last_contact_at"] and not device["revoked"]
    everyone = {d["username"] for d in (await supervisor.get("/api/v1/devices")).json()}
    assert {"worker1", "supervisor1"} <= everyone and "worker3" not in everyone
    revoked = await supervisor.post(f"/api/v1/devices/{worker.device_id}/revoke")
    assert revoked.status_code == 200, revoked.text
    is_problem(await worker.get("/api/v1/sync/pull"), 403, "device_revoked")
    listed = await supervisor.get("/api/v1/devices", params={"user_id": worker.user["id"]})
    device = next(d for d in listed.json() if d["id"] == worker.device_id)
    assert device["revoked"] and device["revoked_at"]


async def test_a_department_account_names_its_department_and_sees_its_queue(api):
    admin = await api.login("admin")
    for wrong, status in (
        # a department account without a department; a department on a worker: 422, the rule
        (account("dep.none", "department", "D01"), 422),
        (account("dep.worker", "worker", department_code="DEP02"), 422),
        (account("dep.unknown", "department", "D01", department_code="DEP99"), 422),
    ):
        is_problem(await admin.post("/api/v1/users", json=wrong), status, "invalid_request")
    created = await admin.post(
        "/api/v1/users", json=account("heat.li", "department", "D01", department_code="DEP02")
    )
    assert created.status_code == 201, created.text
    heating = await api.login("heat.li", "field-pass-2026")
    queue = await heating.get("/api/v1/requests", params={"held": "true"})
    assert queue.status_code == 200
    assert all(r["routed_department"]["code"] == "DEP02" for r in queue.json())
    # A supervisor gives no department or inspector accounts: only an admin does.
    supervisor = await api.login("subdistrict1")
    for role in ("department", "inspector"):
        extra = {"department_code": "DEP02"} if role == "department" else {}
        refused = await supervisor.post(
            "/api/v1/users", json=account(f"sub.{role}", role, "D01-S01-C01", **extra)
        )
        assert refused.status_code == 403, refused.text


async def test_an_account_made_a_department_account_must_name_its_department(api):
    admin = await api.login("admin")
    created = await admin.post("/api/v1/users", json=account("zhao.dept", unit="D01"))
    user = f"/api/v1/users/{created.json()['id']}"
    # Switched to `department` without a department: refused, nothing changed.
    is_problem(await admin.patch(user, json={"role": "department"}), 422, "invalid_request")
    is_problem(
        await admin.patch(user, json={"role": "department", "department_code": "DEP99"}), 422
    )
    is_problem(await admin.patch(user, json={"department_code": "DEP02"}), 422, "invalid_request")
    unchanged = (await admin.get(user)).json()
    assert unchanged["role"] == "worker" and unchanged["department_id"] is None
    # With one, it becomes that department's account, and lists only its requests.
    changed = await admin.patch(user, json={"role": "department", "department_code": "DEP02"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "department" and changed.json()["department_id"]
    staff = await api.login("zhao.dept", "field-pass-2026")
    queue = (await staff.get("/api/v1/requests")).json()
    assert all(r["routed_department"]["code"] == "DEP02" for r in queue)
    moved = await admin.patch(user, json={"department_code": "DEP01"})
    assert moved.json()["department_id"] != changed.json()["department_id"]
    # Back to a worker: the department goes with the role.
    back = await admin.patch(user, json={"role": "worker"})
    assert back.json()["role"] == "worker" and back.json()["department_id"] is None
    trail = (await admin.get("/api/v1/audit", params={"limit": 50})).json()
    assert any("department" in e["detail"] for e in trail if e["action"] == "user.update")
