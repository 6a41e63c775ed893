"""Signing in, tokens bound to devices, refresh, revocation and the login rate limit."""

import uuid

from server.auth import tokens
from server.clock import utcnow
from tests.support.server import database_state


def is_problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"] == code and body["title"], body


async def test_wrong_user_and_wrong_password_get_the_same_answer(api):
    device = str(uuid.uuid4())
    wrong_password = await api.client.post(
        "/api/v1/auth/login", json={"username": "worker1", "password": "nope", "device_id": device}
    )
    no_such_user = await api.client.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "nope", "device_id": device}
    )
    is_problem(wrong_password, 401, "unauthorized")
    is_problem(no_such_user, 401, "unauthorized")
    assert wrong_password.json()["detail"] == no_such_user.json()["detail"]


async def test_repeated_failures_are_rate_limited(api):
    body = {"username": "worker2", "password": "guess", "device_id": str(uuid.uuid4())}
    for _ in range(5):
        is_problem(await api.client.post("/api/v1/auth/login", json=body), 401, "unauthorized")
    limited = await api.client.post("/api/v1/auth/login", json=body)
    is_problem(limited, 429, "rate_limited")
    # Even the right password waits out the window: guessing must not be confirmed.
    right = {**body, "password": "demo-pass-2026"}
    is_problem(await api.client.post("/api/v1/auth/login", json=right), 429, "rate_limited")
    # Another account is not locked out by this one's failures.
    assert (await api.login("worker1")).token


async def test_refresh_rotates_and_detects_reuse(api):
    session = await api.login("worker1")
    first = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": session.refresh_token}
    )
    assert first.status_code == 200, first.text
    assert first.json()["user"]["username"] == "worker1"
    # The old refresh token was used: using it again ends the device's sessions.
    replay = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": session.refresh_token}
    )
    is_problem(replay, 401, "unauthorized")
    newer = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first.json()["refresh_token"]}
    )
    is_problem(newer, 401, "unauthorized")


async def test_tampered_expired_and_foreign_tokens_are_refused(api):
    session = await api.login("worker1")
    body, signature = session.token.split(".")
    tampered = f"{body[:-2]}AA.{signature}"
    for token in [tampered, session.token + "x", "garbage", ""]:
        response = await api.client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
        is_problem(response, 401, "unauthorized")
    user_id = uuid.UUID(session.user["id"])
    expired = tokens.issue_access(
        api.runtime.token_key, user_id, uuid.UUID(session.device_id), utcnow().replace(year=2020)
    )
    response = await api.client.get("/api/v1/me", headers={"authorization": f"Bearer {expired}"})
    is_problem(response, 401, "unauthorized")
    forged = tokens.issue_access(
        b"not the server's key", user_id, uuid.UUID(session.device_id), utcnow().replace(year=2100)
    )
    response = await api.client.get("/api/v1/me", headers={"authorization": f"Bearer {forged}"})
    is_problem(response, 401, "unauthorized")
    is_problem(await api.client.get("/api/v1/me"), 401, "unauthorized")


async def test_a_device_cannot_be_taken_over_by_another_account(api):
    session = await api.login("worker1")
    response = await api.client.post(
        "/api/v1/auth/login",
        json={"username": "worker2", "password": "demo-pass-2026", "device_id": session.device_id},
    )
    is_problem(response, 403, "forbidden")


async def test_revoked_device_is_refused_everywhere(api):
    worker = await api.login("worker1")
    supervisor = await api.login("supervisor1")
    revoked = await supervisor.post(f"/api/v1/devices/{worker.device_id}/revoke")
    assert revoked.status_code == 200, revoked.text
    is_problem(await worker.get("/api/v1/sync/pull"), 403, "device_revoked")
    is_problem(await worker.push(("visit.start", {})), 403, "device_revoked")
    again = await api.client.post(
        "/api/v1/auth/login",
        json={"username": "worker1", "password": "demo-pass-2026", "device_id": worker.device_id},
    )
    is_problem(again, 403, "device_revoked")
    refresh = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": worker.refresh_token}
    )
    is_problem(refresh, 403, "device_revoked")
    # A new device of the same person works: the phone was lost, not the person.
    assert (await api.login("worker1")).token


async def test_only_the_right_people_revoke(api):
    worker1 = await api.login("worker1")
    worker3 = await api.login("worker3")
    supervisor = await api.login("supervisor1")
    before = await database_state(api)
    is_problem(await worker3.post(f"/api/v1/devices/{worker1.device_id}/revoke"), 403, "forbidden")
    # supervisor1 leads D01-S01-C01; worker3's phone is in another subdistrict.
    is_problem(
        await supervisor.post(f"/api/v1/devices/{worker3.device_id}/revoke"), 403, "forbidden"
    )
    is_problem(await supervisor.post(f"/api/v1/devices/{uuid.uuid4()}/revoke"), 404, "not_found")
    assert await database_state(api) == before
    admin = await api.login("admin")
    assert (await admin.post(f"/api/v1/devices/{worker3.device_id}/revoke")).status_code == 200


async def test_every_change_is_audited_with_device(api):
    supervisor = await api.login("supervisor1")
    worker = await api.login("worker1")
    await supervisor.post(f"/api/v1/devices/{worker.device_id}/revoke")
    trail = (await supervisor.get("/api/v1/audit")).json()
    entry = next(e for e in trail if e["action"] == "device.revoke")
    assert entry["actor_id"] == supervisor.user["id"]
    assert entry["device_id"] == supervisor.device_id
    is_problem(await (await api.login("worker2")).get("/api/v1/audit"), 403, "forbidden")
