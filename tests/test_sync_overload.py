"""Overload that fails fast: past the syncs a process takes at once, a short wait, then 503 with
Retry-After; the phone waits what it is told (with jitter) and shows the server as busy."""

import asyncio
import time
import uuid
from dataclasses import replace

import httpx
import pytest

from mobile.core.sync import Busy, Retry
from server.sync.gate import SyncGate
from tests.support.live import live_server
from tests.support.phones import make_phone
from tests.support.server import PASSWORD

WAIT_S = 0.2


async def _sign_in(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "device_id": str(uuid.uuid4())},
    )
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


async def _timed(client: httpx.AsyncClient, headers, method: str, url: str, **kwargs):
    started = time.perf_counter()
    response = await client.request(method, url, headers=headers, **kwargs)
    return response, time.perf_counter() - started


def test_syncs_beyond_the_limit_are_turned_away_fast_with_retry_after(settings):
    """Two places, 24 syncs at once (full pulls of a community and pushes) over real HTTP:
    some are served, the others are told 503 + Retry-After within the wait; none queues long,
    and a sync turned away changed nothing."""
    settings = replace(settings, sync_in_flight=2, sync_wait_s=WAIT_S, sync_retry_after_s=1)

    async def burst(url: str):
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
            headers = await _sign_in(client, "supervisor1")
            before = (await client.get("/metrics")).text
            empty_push = {"protocol": 1, "device_id": "x", "mutations": []}
            calls = [
                _timed(client, headers, "GET", "/api/v1/sync/pull", params={"limit": 5000})
                for _ in range(20)
            ] + [
                # Another device than the token's: 403 if it gets in; the gate answers first.
                _timed(client, headers, "POST", "/api/v1/sync/push", json=empty_push)
                for _ in range(4)
            ]
            answers = await asyncio.gather(*calls)
            after = await client.get("/api/v1/sync/pull", headers=headers, params={"limit": 5000})
            metrics = (await client.get("/metrics")).text
            return answers, after, (before, metrics)

    with live_server(settings) as url:
        answers, after, metrics = asyncio.run(burst(url))
    served = [seconds for response, seconds in answers if response.status_code != 503]
    away = [(response, seconds) for response, seconds in answers if response.status_code == 503]
    assert served and away, [r.status_code for r, _ in answers]
    assert {r.status_code for r, _ in answers} <= {200, 403, 503}
    for response, seconds in away:
        assert response.headers["retry-after"] == "1"
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "server_busy"
        assert response.json()["retry_after"] == 1
        assert response.headers["x-request-id"]  # answered through the server's middleware
        # Turned away within the wait (plus the trip), never after queueing behind the rest.
        assert seconds < WAIT_S + 1.0, seconds
    # The server is fine afterwards: a sync alone is served.
    assert after.status_code == 200

    # Operators see them: counted by route and status (not as 500s).
    # (The counters are the process's: this server runs in the test's process.)
    def busy(text: str) -> float:
        return sum(
            float(line.split()[-1])
            for line in text.splitlines()
            if line.startswith("doorstep_http_requests_total") and 'status="503"' in line
        )

    assert busy(metrics[1]) - busy(metrics[0]) == len(away)
    assert 'route="/api/v1/sync/pull",status="500"' not in metrics[1]


def test_the_gate_turns_away_only_past_its_wait():
    async def run():
        gate = SyncGate(limit=1, wait_s=0.05, retry_after_s=2)
        await gate.enter()
        started = time.perf_counter()
        with pytest.raises(Exception) as refused:
            await gate.enter()
        assert 0.04 < time.perf_counter() - started < 0.5
        assert refused.value.status == 503 and refused.value.extra == {"retry_after": 2}
        # A place freed within the wait is taken.
        asyncio.get_running_loop().call_later(0.01, gate.leave)
        await gate.enter()
        assert (gate.turned_away, gate.in_flight) == (1, 1)
        gate.leave()
        assert gate.in_flight == 0

    asyncio.run(run())


class _BusyFirst(httpx.BaseTransport):
    """The first N syncs are turned away (503, Retry-After: 3); the rest go to the server."""

    def __init__(self, inner: httpx.BaseTransport, busy: int) -> None:
        self.inner, self.busy = inner, busy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.busy and request.url.path.startswith("/api/v1/sync/"):
            self.busy -= 1
            return httpx.Response(
                503,
                headers={"retry-after": "3", "content-type": "application/problem+json"},
                json={"code": "server_busy", "status": 503, "detail": "busy"},
            )
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_phone_waits_the_retry_after_with_jitter_and_then_syncs(tmp_path, live_url):
    slept: list[float] = []
    transport = _BusyFirst(httpx.HTTPTransport(), busy=2)
    retry = Retry(attempts=4, sleep=slept.append, jitter=lambda: 0.5)
    with httpx.Client(transport=transport, base_url=live_url, timeout=30) as http:
        phone = make_phone(tmp_path, http, "worker1", retry=retry)
        report = phone.sync()
    assert report.pulled > 0
    # Retry-After 3 s, stretched by the jitter (here half of its half): not the 0.5 s backoff.
    assert slept[:2] == [3.75, 3.75]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_phone_still_turned_away_shows_busy_not_offline(tmp_path, live_url):
    from mobile.core.phone import Phone
    from tests.support.phones import FAST_KDF

    transport = _BusyFirst(httpx.HTTPTransport(), busy=100)
    slept: list[float] = []
    with httpx.Client(transport=transport, base_url=live_url, timeout=30) as http:
        phone = Phone(
            tmp_path,
            http_factory=lambda _url: http,
            kdf_cost=FAST_KDF,
            retry=Retry(attempts=3, sleep=slept.append),
        )
        phone.sign_in(live_url, "worker1", PASSWORD, "2580")
        phone.sync()
        assert (phone.state.online, phone.state.problem) == (True, "busy")
        # Two waits of Retry-After (3 s) with jitter, then the third answer ends the sync.
        assert len(slept) == 2 and all(3.0 <= s <= 4.5 for s in slept)
        client = make_phone(tmp_path, http, "worker2", retry=Retry(attempts=2, sleep=slept.append))
        with pytest.raises(Busy):
            client.sync()
