"""Live updates (`GET /api/v1/sync/live`) over real HTTP: a push is heard within a second by every
listener in scope, on whichever server process it listens (PostgreSQL: two processes), and by
no one out of scope; comment lines keep a stream alive; a revoked device's stream ends."""

import json
import os
import queue
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import replace

import httpx
import pytest

from tests.support.live import free_port, live_server, spawn_server
from tests.support.server import PASSWORD

# Rounds of push-and-hear: 10 in CI, more with DOORSTEP_LIVE_ROUNDS (e.g. 100).
ROUNDS = int(os.environ.get("DOORSTEP_LIVE_ROUNDS") or 10)
KEEP_ALIVE_S = 0.4


def sign_in(base_url: str, username: str) -> dict:
    device_id = str(uuid.uuid4())
    response = httpx.post(
        f"{base_url}/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "device_id": device_id},
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    return {"authorization": f"Bearer {token}", "device_id": device_id}


class Listener(threading.Thread):
    """One phone's stream, read line by line in a thread: each data event and comment, timed."""

    def __init__(self, base_url: str, who: dict) -> None:
        super().__init__(daemon=True)
        self.base_url, self.who = base_url, who
        self.events: queue.Queue = queue.Queue()
        self.comments: list[float] = []
        self.opened = threading.Event()
        self.ended = threading.Event()
        self.status: int | None = None
        self.stop = False

    def run(self) -> None:
        headers = {"authorization": self.who["authorization"]}
        try:
            with (
                httpx.Client(base_url=self.base_url, timeout=httpx.Timeout(5.0)) as client,
                client.stream("GET", "/api/v1/sync/live", headers=headers) as response,
            ):
                self.status = response.status_code
                assert response.headers["content-type"].startswith("text/event-stream")
                for line in response.iter_lines():
                    if self.stop:
                        return
                    if line.startswith(":"):
                        self.comments.append(time.monotonic())
                        self.opened.set()
                    elif line.startswith("data:"):
                        self.events.put((time.monotonic(), json.loads(line[5:])))
        finally:
            self.opened.set()
            self.ended.set()

    def next_event(self, timeout: float):
        return self.events.get(timeout=timeout)


@contextmanager
def listening(base_url: str, who: dict):
    listener = Listener(base_url, who)
    listener.start()
    assert listener.opened.wait(10), "the stream did not open"
    try:
        yield listener
    finally:
        listener.stop = True
        listener.join(timeout=10)


@contextmanager
def servers(settings, database_url: str, count: int):
    """The base URLs of `count` server processes on one database (a thread on SQLite)."""
    if database_url.startswith("sqlite"):
        with live_server(settings) as url:
            yield [url] * count
        return
    env = {"DOORSTEP_LIVE_KEEPALIVE_S": str(KEEP_ALIVE_S), "DOORSTEP_BACKGROUND_EVERY_S": "0"}
    processes, urls = [], []
    try:
        for _ in range(count):
            port = free_port()
            processes.append(spawn_server(database_url, port, env=env))
            urls.append(f"http://127.0.0.1:{port}")
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except Exception:
                process.kill()


def _checkin(resident_id: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "resident_id": resident_id,
        "at": "2026-11-27T09:30:00Z",
        "seen_in_person": True,
        "wellbeing": "good",
        "notes": "实时",
    }


def _residents(base_url: str, who: dict) -> list[str]:
    page = httpx.get(
        f"{base_url}/api/v1/sync/pull",
        params={"limit": 5000},
        headers={"authorization": who["authorization"]},
    ).json()
    return [c["id"] for c in page["changes"] if c["entity"] == "resident"]


def test_listeners_on_every_process_hear_a_push_within_a_second(settings, database_url):
    settings = replace(settings, live_keepalive_s=KEEP_ALIVE_S)
    with servers(settings, database_url, 2) as urls, ExitStack() as stack:
        writer = sign_in(urls[0], "worker1")
        residents = _residents(urls[0], writer)
        # Four listeners in the community's scope, two on each process; one out of it.
        ears = [
            stack.enter_context(listening(urls[i % 2], sign_in(urls[i % 2], name)))
            for i, name in enumerate(["supervisor1", "worker2", "supervisor1", "worker2"])
        ]
        stranger = stack.enter_context(listening(urls[1], sign_in(urls[1], "worker3")))
        late: list[float] = []
        with httpx.Client(base_url=urls[0], timeout=30) as http:
            for seq in range(1, ROUNDS + 1):
                mutation = {
                    "seq": seq,
                    "name": "checkin.record",
                    "args": _checkin(residents[seq % len(residents)]),
                    "hlc": f"{1_700_000_000_000 + seq:013d}:00000:test",
                }
                started = time.monotonic()
                pushed = http.post(
                    "/api/v1/sync/push",
                    headers={"authorization": writer["authorization"]},
                    json={"protocol": 1, "device_id": writer["device_id"], "mutations": [mutation]},
                )
                assert pushed.json()["results"][0]["status"] == "applied", pushed.text
                for ear in ears:
                    heard_at, event = ear.next_event(timeout=5)
                    late.append(heard_at - started)
                    assert set(event) == {"cursor"} and isinstance(event["cursor"], str)
                    # At or past the change: the check-in is not after the event's cursor.
                    after = http.get(
                        "/api/v1/sync/pull",
                        params={"cursor": event["cursor"]},
                        headers={"authorization": ear.who["authorization"]},
                    )
                    assert after.status_code == 200, after.text
                    ids = {c["id"] for c in after.json()["changes"]}
                    assert mutation["args"]["id"] not in ids
        assert max(late) < 1.0, sorted(late)[-5:]
        assert stranger.events.empty(), "a listener out of scope heard of the change"
        assert stranger.comments, "the stranger's stream was open all along"


def test_comment_lines_keep_an_idle_stream_alive(settings, database_url):
    settings = replace(settings, live_keepalive_s=KEEP_ALIVE_S)
    with servers(settings, database_url, 1) as urls:
        with listening(urls[0], sign_in(urls[0], "worker1")) as ear:
            time.sleep(4 * KEEP_ALIVE_S + 0.3)
            beats = list(ear.comments)
    assert len(beats) >= 4, beats  # the opening line, then one per interval
    gaps = [b - a for a, b in zip(beats, beats[1:], strict=False)]
    assert max(gaps) < KEEP_ALIVE_S + 0.3, gaps
    assert ear.events.empty()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_revoked_devices_stream_ends_and_a_bad_token_opens_none(settings):
    settings = replace(settings, live_keepalive_s=KEEP_ALIVE_S, live_recheck_s=0.3)
    with live_server(settings) as url:
        worker = sign_in(url, "worker1")
        supervisor = sign_in(url, "supervisor1")
        with listening(url, worker) as ear:
            assert ear.status == 200 and not ear.ended.is_set()
            revoked = httpx.post(
                f"{url}/api/v1/devices/{worker['device_id']}/revoke",
                headers={"authorization": supervisor["authorization"]},
            )
            assert revoked.status_code == 200, revoked.text
            assert ear.ended.wait(3), "the revoked device's stream stayed open"
        refused = httpx.get(f"{url}/api/v1/sync/live", headers={"authorization": "Bearer nope"})
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        again = httpx.get(
            f"{url}/api/v1/sync/live", headers={"authorization": worker["authorization"]}
        )
        assert (again.status_code, again.json()["code"]) == (403, "device_revoked")
