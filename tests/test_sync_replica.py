"""Pulls from a streaming replica (DOORSTEP_READ_DATABASE_URL): a primary and its hot standby
made here from the installed PostgreSQL programs (testbed/replica.py: initdb, pg_basebackup,
pg_ctl in a temporary folder, on free ports; the machine's own cluster is left alone), the real
server over loopback HTTP reading pulls from the replica and writing pushes to the primary.

While the replica's replay is paused (`pg_wal_replay_pause()`), phones push and pull: the pulls
answer without the unreplayed changes, their cursors stay at or below the version the replica
has replayed, and `last_seq` is the replica's. After `pg_wal_replay_resume()` the next pulls
bring every change, none missed and none twice. A live event waits until the replica holds
its change. A pull whose replica is down is read from the primary.

CI runs `DOORSTEP_REPLICA_ROUNDS` rounds (3 by default); a longer run sets it higher.
"""

import asyncio
import base64
import json
import os
import queue
import threading
import uuid

import asyncpg
import httpx
import pytest

from testbed import replica as clusters
from tests.support.live import live_server
from tests.support.phones import make_phone
from tests.support.server import PASSWORD, make_settings

pytestmark = pytest.mark.replica

REASON = clusters.unavailable()
if REASON and os.environ.get("CI") != "true":
    pytest.skip(
        f"cannot make a PostgreSQL primary and replica here: {REASON}", allow_module_level=True
    )

ROUNDS = int(os.environ.get("DOORSTEP_REPLICA_ROUNDS") or 3)
DATABASE = "doorstep"


def _sql(dsn: str, query: str, *args):
    async def run():
        connection = await asyncpg.connect(dsn)
        try:
            return await connection.fetchval(query, *args)
        finally:
            await connection.close()

    return asyncio.run(run())


@pytest.fixture(scope="module")
def pair():
    assert REASON is None, f"CI must be able to make a primary and replica: {REASON}"
    from testbed import build_demo

    with clusters.primary_and_replica() as made:
        _sql(made.primary.dsn(), f'CREATE DATABASE "{DATABASE}"')
        build_demo(made.primary.url(DATABASE))
        asyncio.run(clusters.caught_up(made.primary.dsn(), made.replica.dsn()))
        yield made


@pytest.fixture
def server(pair):
    settings = make_settings(
        pair.primary.url(DATABASE), read_database_url=pair.replica.url(DATABASE)
    )
    try:
        with live_server(settings) as url, httpx.Client(base_url=url, timeout=30) as http:
            yield http
    finally:  # a failed test leaves no paused replica to the next
        if (pair.replica.folder / "postmaster.pid").exists():
            _sql(pair.replica.dsn(), "SELECT pg_wal_replay_resume()")


def _version(cursor: str) -> int:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    return int(raw.split(".")[1])


def _feed_version(dsn: str) -> int:
    return _sql(dsn, "SELECT version FROM feed_clock WHERE id = 1")


class Device:
    """One signed-in device speaking raw HTTP: its seq, its cursor, what it pulled."""

    def __init__(self, http: httpx.Client, username: str) -> None:
        self.http, self.id, self.seq, self.cursor = http, str(uuid.uuid4()), 0, None
        body = {"username": username, "password": PASSWORD, "device_id": self.id}
        answer = http.post("/api/v1/auth/login", json=body)
        assert answer.status_code == 200, answer.text
        self.headers = {"authorization": f"Bearer {answer.json()['access_token']}"}
        self.seen: list[str] = []  # the ids of every check-in put, in pull order

    def push_checkin(self, resident_id: str) -> str:
        self.seq += 1
        checkin = str(uuid.uuid4())
        args = {
            "id": checkin,
            "resident_id": resident_id,
            "at": "2026-11-27T09:30:00Z",
            "seen_in_person": True,
            "wellbeing": "good",
            "notes": f"副本测试 {self.seq}",
        }
        mutation = {"seq": self.seq, "name": "checkin.record", "args": args,
                    "hlc": f"{1_764_000_000_000 + self.seq:013d}:00000:test"}  # fmt: skip
        body = {"protocol": 1, "device_id": self.id, "mutations": [mutation]}
        answer = self.http.post("/api/v1/sync/push", json=body, headers=self.headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["results"][0]["status"] == "applied"
        return checkin

    def pull_to_end(self, limit: int = 3) -> list[dict]:
        """Every page from the device's cursor; returns the pages' answers."""
        pages = []
        while True:
            params = {"limit": limit, **({"cursor": self.cursor} if self.cursor else {})}
            answer = self.http.get("/api/v1/sync/pull", params=params, headers=self.headers)
            assert answer.status_code == 200, answer.text
            page = answer.json()
            pages.append(page)
            self.cursor = page["cursor"]
            self.seen += [
                c["id"] for c in page["changes"] if c["entity"] == "checkin" and c["op"] == "put"
            ]
            if not page["has_more"]:
                return pages


def test_pulls_from_a_paused_replica_skip_nothing_and_repeat_nothing(pair, server):
    primary, standby = pair.primary.dsn(DATABASE), pair.replica.dsn(DATABASE)
    worker, supervisor = Device(server, "worker1"), Device(server, "supervisor1")
    asyncio.run(clusters.caught_up(primary, standby))  # the sign-ins, replayed
    first = worker.pull_to_end(limit=500)
    supervisor.pull_to_end(limit=500)
    residents = [
        c["id"]
        for p in first
        for c in p["changes"]
        if c["entity"] == "resident" and c["op"] == "put"
    ][:3]
    assert residents, "worker1 has residents in the demo district"
    before = set(supervisor.seen)
    made: list[str] = []
    for round_ in range(ROUNDS):
        _sql(standby, "SELECT pg_wal_replay_pause()")
        for _ in range(200):
            if _sql(standby, "SELECT pg_get_wal_replay_pause_state()") == "paused":
                break
        else:
            raise AssertionError("the replica's replay did not pause")
        replayed = _feed_version(standby)
        seq_replayed = worker.seq
        fresh: list[str] = []
        for n in range(4):
            fresh.append(worker.push_checkin(residents[(round_ + n) % len(residents)]))
            # Pulls between the pushes: none of the unreplayed changes, the cursor at or
            # below what the replica has replayed, last_seq the replica's.
            for page in supervisor.pull_to_end() + worker.pull_to_end():
                assert _version(page["cursor"]) <= replayed
            assert not set(fresh) & set(supervisor.seen + worker.seen)
            assert page["last_seq"] == seq_replayed  # the worker's last page
        # The primary has them all, past the replica.
        assert _feed_version(primary) > replayed
        assert _sql(
            primary, "SELECT count(*) FROM checkin WHERE id = ANY($1::uuid[])", fresh
        ) == len(fresh)
        assert _feed_version(standby) == replayed
        _sql(standby, "SELECT pg_wal_replay_resume()")
        asyncio.run(clusters.caught_up(primary, standby))
        pages = supervisor.pull_to_end() + worker.pull_to_end()
        assert pages[-1]["last_seq"] == worker.seq
        assert _version(pages[-1]["cursor"]) == _feed_version(standby)
        made += fresh
    # Every check-in made, once to each phone: none missed, none twice.
    for device in (supervisor, worker):
        new = [c for c in device.seen if c not in before]
        assert sorted(new) == sorted(made), device
    # A replica that is down: the pull is read from the primary.
    clusters.stop(pair.replica)
    try:
        late = worker.push_checkin(residents[0])
        supervisor.pull_to_end()
        assert supervisor.seen[-1] == late
    finally:
        clusters.start(pair.replica)


def test_a_phone_keeps_its_changes_while_the_replica_lags(pair, server, tmp_path):
    """The phone's own check-in stays in its outbox, shown, until the replica has it."""
    primary, standby = pair.primary.dsn(DATABASE), pair.replica.dsn(DATABASE)
    asyncio.run(clusters.caught_up(primary, standby))
    phone = make_phone(tmp_path, server, "worker1")
    phone.sync()
    asyncio.run(clusters.caught_up(primary, standby))
    resident = phone.store.all("resident")[0]
    _sql(standby, "SELECT pg_wal_replay_pause()")
    try:
        checkin = str(uuid.uuid4())
        args = {"id": checkin, "resident_id": resident["id"], "at": "2026-11-27T09:30:00Z",
                "seen_in_person": True, "wellbeing": "good"}  # fmt: skip
        phone.store.record("checkin.record", args)
        phone.sync()  # pushed to the primary, pulled from the paused replica
        assert phone.store.outbox(("acked",)), "acked, not yet covered by a pull"
        assert checkin in {c["id"] for c in phone.store.all("checkin")}
        assert checkin not in {key[1] for key in phone.store.server_copy()}
    finally:
        _sql(standby, "SELECT pg_wal_replay_resume()")
    asyncio.run(clusters.caught_up(primary, standby))
    phone.sync()
    assert not phone.store.outbox(("pending", "acked"))
    assert checkin in {key[1] for key in phone.store.server_copy()}


def test_a_live_event_waits_until_the_replica_holds_its_change(pair, server):
    """The pull a phone makes on a live event finds the change, though the replica lagged."""
    primary, standby = pair.primary.dsn(DATABASE), pair.replica.dsn(DATABASE)
    worker, supervisor = Device(server, "worker1"), Device(server, "supervisor1")
    asyncio.run(clusters.caught_up(primary, standby))
    first = worker.pull_to_end(limit=500)
    supervisor.pull_to_end(limit=500)
    resident = next(c["id"] for p in first for c in p["changes"] if c["entity"] == "resident")
    events: queue.Queue = queue.Queue()
    opened = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(base_url=server.base_url, timeout=30) as client,
            client.stream("GET", "/api/v1/sync/live", headers=supervisor.headers) as answer,
        ):
            for line in answer.iter_lines():
                if line.startswith(":"):
                    opened.set()
                elif line.startswith("data:"):
                    events.put(json.loads(line[5:]))
                    return

    threading.Thread(target=listen, daemon=True).start()
    assert opened.wait(20), "the live stream did not open"
    _sql(standby, "SELECT pg_wal_replay_pause()")
    resume = threading.Timer(1.0, _sql, (standby, "SELECT pg_wal_replay_resume()"))
    try:
        checkin = worker.push_checkin(resident)
        resume.start()  # the replica lags a second behind the push
        events.get(timeout=30)
        supervisor.pull_to_end()
        assert checkin in supervisor.seen
    finally:
        resume.cancel()
        resume.join()
