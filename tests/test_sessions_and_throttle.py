"""Sessions that end, throttles that do not lock people out, and the headers every answer
carries (issue: hostile input, real authority, sessions that end)."""

import uuid
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from sqlalchemy import select

from server.auth import tokens
from server.auth.tables import LoginFailure
from server.clock import utcnow
from tests.support.server import PASSWORD, Api


def is_problem(response, status, code):
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


@asynccontextmanager
async def client_at(api: Api, address: str, **headers: str):
    """A client whose requests arrive from another address."""
    transport = httpx.ASGITransport(app=api.app, client=(address, 40000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://doorstep", headers=headers
    ) as client:
        yield client


def login_body(username: str, password: str) -> dict:
    return {"username": username, "password": password, "device_id": str(uuid.uuid4())}


async def test_a_reused_refresh_token_ends_the_access_tokens_too(api):
    session = await api.login("worker1")
    first = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": session.refresh_token}
    )
    newer_access = first.json()["access_token"]
    assert (await session.get("/api/v1/me")).status_code == 200
    replay = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": session.refresh_token}
    )
    is_problem(replay, 401, "unauthorized")
    for access in (session.token, newer_access):
        response = await api.client.get("/api/v1/me", headers={"authorization": f"Bearer {access}"})
        is_problem(response, 401, "unauthorized")
    # The device is not revoked: its owner signs in again and carries on.
    again = await api.login("worker1", device_id=session.device_id)
    assert (await again.get("/api/v1/me")).status_code == 200


async def test_a_console_cookie_token_is_not_an_api_token(api):
    worker = await api.login("worker1")
    cookie_token = tokens.issue_access(
        api.runtime.token_key,
        uuid.UUID(worker.user["id"]),
        uuid.UUID(worker.device_id),
        utcnow() + timedelta(hours=1),
        kind=tokens.CONSOLE,
    )
    response = await api.client.get(
        "/api/v1/me", headers={"authorization": f"Bearer {cookie_token}"}
    )
    is_problem(response, 401, "unauthorized")


async def test_guessing_from_one_place_does_not_lock_the_person_out(api):
    async with client_at(api, "203.0.113.9") as attacker:
        for _ in range(5):
            wrong = await attacker.post(
                "/api/v1/auth/login", json=login_body("dispatcher", "guess")
            )
            is_problem(wrong, 401, "unauthorized")
        limited = await attacker.post("/api/v1/auth/login", json=login_body("dispatcher", "x"))
        is_problem(limited, 429, "rate_limited")
        assert 25 <= int(limited.headers["retry-after"]) <= 30
        # Even the right password waits from there: guessing is never confirmed.
        right = await attacker.post("/api/v1/auth/login", json=login_body("dispatcher", PASSWORD))
        is_problem(right, 429, "rate_limited")
    async with client_at(api, "198.51.100.7") as office:
        signed_in = await office.post("/api/v1/auth/login", json=login_body("dispatcher", PASSWORD))
        assert signed_in.status_code == 200, signed_in.text


async def test_each_further_failure_waits_twice_as_long(api):
    async with client_at(api, "203.0.113.10") as attacker:
        for _ in range(5):
            await attacker.post("/api/v1/auth/login", json=login_body("worker2", "guess"))
        first_wait = int(
            (await attacker.post("/api/v1/auth/login", json=login_body("worker2", "g"))).headers[
                "retry-after"
            ]
        )
        # The wait passes (the failures are moved back in time), one more failure follows.
        async with api.runtime.sessions() as session, session.begin():
            for failure in (await session.scalars(select(LoginFailure))).all():
                failure.at -= timedelta(seconds=first_wait + 1)
        is_problem(
            await attacker.post("/api/v1/auth/login", json=login_body("worker2", "g")),
            401,
            "unauthorized",
        )
        second = await attacker.post("/api/v1/auth/login", json=login_body("worker2", "g"))
        is_problem(second, 429, "rate_limited")
        assert int(second.headers["retry-after"]) >= 2 * first_wait - 2


async def test_forwarded_for_is_not_believed_from_an_untrusted_peer(api):
    for n in range(5):
        async with client_at(api, "127.0.0.1", **{"x-forwarded-for": f"10.0.0.{n}"}) as c:
            await c.post("/api/v1/auth/login", json=login_body("worker2", "guess"))
    async with client_at(api, "127.0.0.1", **{"x-forwarded-for": "10.0.0.99"}) as c:
        is_problem(
            await c.post("/api/v1/auth/login", json=login_body("worker2", "guess")),
            429,
            "rate_limited",
        )


async def test_forwarded_for_is_believed_from_a_named_proxy(settings):
    from dataclasses import replace

    async with Api.start(replace(settings, trusted_proxies=("127.0.0.1",))) as api:
        for n in range(6):
            async with client_at(api, "127.0.0.1", **{"x-forwarded-for": f"10.0.0.{n}"}) as c:
                response = await c.post("/api/v1/auth/login", json=login_body("worker2", "g"))
                is_problem(response, 401, "unauthorized")  # six different clients


async def test_every_answer_carries_the_security_headers(api):
    for path in ("/console/login", "/health", "/api/v1/me"):
        response = await api.client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_a_wrong_method_says_which_are_allowed(api):
    response = await api.client.delete("/health")
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]


async def test_the_background_round_forgets_closed_windows_of_clients_gone_for_good(api):
    """Throttle rows and failed sign-ins are read only within their windows; a client that
    never comes back would otherwise leave its rows for ever (a scanner's addresses)."""
    from server.ops import background
    from server.public.tables import ThrottleHit

    now = utcnow()
    window = api.runtime.settings.login_failure_window
    async with api.runtime.sessions() as session, session.begin():
        for age, client in ((window + timedelta(minutes=1), "gone"), (timedelta(0), "here")):
            session.add(LoginFailure(username="worker1", client=client, at=now - age))
            at = now.timestamp() - (601 if client == "gone" else 0)
            session.add(ThrottleHit(client=client, kind="submit", at=at))
    await background.run_round(api.runtime, now)
    async with api.runtime.sessions() as session:
        failures = (await session.scalars(select(LoginFailure.client))).all()
        hits = (await session.scalars(select(ThrottleHit.client))).all()
    assert failures == ["here"] and hits == ["here"]
