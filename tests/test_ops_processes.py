"""Several server processes on one database: the background round once, revocation everywhere."""

import asyncio
import json
import os
import signal
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from server.clock import utcnow
from server.db.sessions import create_engine_for, session_factory
from server.hotline.tables import HotlineRequest, RequestEvent
from server.plans.tables import Alert
from tests.support import databases
from tests.support.live import free_port
from tests.support.processes import command, server_process
from tests.support.server import PASSWORD


async def _overdue_ids(url: str) -> set:
    engine = create_engine_for(url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.scalars(
                select(HotlineRequest.id).where(
                    HotlineRequest.stage_due_at < utcnow(), HotlineRequest.status != "closed"
                )
            )
            return set(rows)
    finally:
        await engine.dispose()


def _prepare_overdue(url: str) -> tuple[dict, set]:
    """The escalations the demo's history already made, and the requests overdue now: those
    the history left overdue and five more made overdue a minute ago (the walk ran the rule up
    to the template's making, so little was left for a test's processes to do)."""

    async def run() -> set:
        engine = create_engine_for(url)
        try:
            async with session_factory(engine)() as session, session.begin():
                fresh = (
                    await session.scalars(
                        select(HotlineRequest)
                        .where(
                            HotlineRequest.status != "closed",
                            HotlineRequest.stage_due_at > utcnow() + timedelta(hours=1),
                        )
                        .order_by(HotlineRequest.id)
                        .limit(5)
                    )
                ).all()
                for request in fresh:
                    request.stage_due_at = utcnow() - timedelta(minutes=1)
        finally:
            await engine.dispose()
        return await _overdue_ids(url)

    before = asyncio.run(_escalations(url))
    overdue = asyncio.run(run())
    assert len(overdue) >= 5, "the demo district should hold overdue requests"
    return before, overdue


def _escalated_once_more(url: str, before: dict, ids: set) -> bool:
    now = asyncio.run(_escalations(url))
    return all(now.get(i, 0) == before.get(i, 0) + 1 for i in ids)


async def _escalations(url: str) -> dict:
    engine = create_engine_for(url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                select(RequestEvent.request_id, func.count())
                .where(RequestEvent.action == "escalated")
                .group_by(RequestEvent.request_id)
            )
            return dict(rows.all())
    finally:
        await engine.dispose()


async def _alerts(url: str) -> dict:
    engine = create_engine_for(url)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                select(Alert.visit_id, func.count())
                .where(Alert.kind == "missed_visit")
                .group_by(Alert.visit_id)
            )
            return dict(rows.all())
    finally:
        await engine.dispose()


@pytest.fixture
def postgres_url(postgres_template):
    """A fresh demo district on PostgreSQL only."""
    name = f"doorstep_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(databases.pg_clone(postgres_template, name))
    yield databases.pg_url(name)
    asyncio.run(databases.pg_drop(name))


def test_every_overdue_request_is_escalated_once_by_several_processes(database_url, tmp_path):
    """PostgreSQL: three web processes and a separate worker; SQLite: one web process and a
    worker. Each tries a round every half second; each overdue request must be escalated once
    and each missed visit alerted once."""
    before, overdue = _prepare_overdue(database_url)
    env = {
        "DOORSTEP_DATABASE_URL": database_url,
        "DOORSTEP_BACKGROUND_EVERY_S": "0.5",
        "DOORSTEP_FEED_KEEP_DAYS": "0",
    }
    port = free_port()
    web = ["run", "--port", str(port)]
    if database_url.startswith("postgresql"):
        web += ["--workers", "3"]
    log = tmp_path / "server.log"
    with (
        server_process(*web, env=env, log=log, port=port),
        server_process("worker", env=env, log=log),
    ):
        deadline = time.monotonic() + 60
        while not _escalated_once_more(database_url, before, overdue):
            assert time.monotonic() < deadline, "the overdue requests were not escalated"
            time.sleep(0.3)
        # Several more rounds: each process gets its chance to (wrongly) do the work again.
        time.sleep(4)
        rounds = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        # Read while every process still runs: once the leader is stopped, another one still
        # shutting down may rightly take the lock over (the worker process stops first).
        text = log.read_text()
    counts = asyncio.run(_escalations(database_url))
    assert counts == {**before, **{i: before.get(i, 0) + 1 for i in overdue}}
    # Missed visits: one alert each, though every process looked for them every round.
    alerts = asyncio.run(_alerts(database_url))
    assert alerts and set(alerts.values()) == {1}
    assert "doorstep_background_rounds_total" in rounds
    # One process did the rounds; none collided with another doing the same work at once.
    assert text.count("this process now runs the background round") == 1
    assert "background round failed" not in log.read_text()


def test_sqlite_refuses_several_processes_with_a_reason(tmp_path):
    done = command(
        "run",
        "--workers",
        "2",
        env={"DOORSTEP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'one.db'}"},
    )
    assert done.returncode == 2
    assert "--workers > 1 needs PostgreSQL" in done.stderr
    assert "docs/deploy.md" in done.stderr


def _login(base: str, username: str) -> tuple[str, str]:
    device = str(uuid.uuid4())
    response = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "device_id": device},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return device, response.json()["access_token"]


def test_a_revoke_seen_by_one_process_is_enforced_by_the_others(postgres_url, tmp_path):
    env = {"DOORSTEP_DATABASE_URL": postgres_url, "DOORSTEP_BACKGROUND_EVERY_S": "0"}
    first, second = free_port(), free_port()
    log = tmp_path / "server.log"
    with (
        server_process("run", "--port", str(first), env=env, log=log, port=first),
        server_process("run", "--port", str(second), env=env, log=log, port=second),
    ):
        a, b = f"http://127.0.0.1:{first}", f"http://127.0.0.1:{second}"
        device, token = _login(a, "worker1")
        _, supervisor = _login(b, "supervisor1")
        worker = {"authorization": f"Bearer {token}"}
        # Either process serves the phone: the token key and the device are in the database.
        assert httpx.get(f"{b}/api/v1/sync/pull?limit=1", headers=worker).status_code == 200
        revoked = httpx.post(
            f"{b}/api/v1/devices/{device}/revoke",
            headers={"authorization": f"Bearer {supervisor}"},
        )
        assert revoked.status_code == 200, revoked.text
        started = time.monotonic()
        answer = httpx.get(f"{a}/api/v1/sync/pull?limit=1", headers=worker)
        assert answer.status_code == 403 and answer.json()["code"] == "device_revoked"
        assert time.monotonic() - started < 1
        relogin = httpx.post(
            f"{a}/api/v1/auth/login",
            json={"username": "worker1", "password": PASSWORD, "device_id": device},
            timeout=30,
        )
        assert relogin.status_code == 403 and relogin.json()["code"] == "device_revoked"


async def _make_overdue(url: str, request_id) -> None:
    engine = create_engine_for(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            request = await session.get(HotlineRequest, request_id)
            request.stage_due_at = utcnow() - timedelta(minutes=1)
    finally:
        await engine.dispose()


def _leader_pids(log) -> list[int]:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [line["pid"] for line in lines if line["event"].startswith("this process now runs")]


def test_when_the_leader_dies_another_process_takes_over(postgres_url, tmp_path):
    before, overdue = _prepare_overdue(postgres_url)
    env = {
        "DOORSTEP_DATABASE_URL": postgres_url,
        "DOORSTEP_BACKGROUND_EVERY_S": "0.5",
        "DOORSTEP_FEED_KEEP_DAYS": "0",
        "DOORSTEP_LOG_FORMAT": "json",
    }
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    with (
        server_process("worker", env=env, log=first_log) as first,
        server_process("worker", env=env, log=second_log) as second,
    ):
        deadline = time.monotonic() + 60
        while not _escalated_once_more(postgres_url, before, overdue):
            assert time.monotonic() < deadline, "the overdue requests were not escalated"
            time.sleep(0.3)
        leaders = _leader_pids(first_log) + _leader_pids(second_log)
        assert len(leaders) == 1
        leader, other = (first, second) if leaders == [first.pid] else (second, first)
        assert leader.pid == leaders[0]
        os.killpg(leader.pid, signal.SIGKILL)  # no goodbye: PostgreSQL frees the lock
        leader.wait(timeout=10)
        again = next(iter(overdue))
        asyncio.run(_make_overdue(postgres_url, again))
        while asyncio.run(_escalations(postgres_url))[again] != before.get(again, 0) + 2:
            assert time.monotonic() < deadline, "no process took over the round"
            time.sleep(0.3)
        time.sleep(2)
        assert other.poll() is None
    counts = asyncio.run(_escalations(postgres_url))
    once = {i: before.get(i, 0) + 1 for i in overdue}
    assert counts == {**before, **once, again: before.get(again, 0) + 2}
    # Each took the lead once: the first, then the survivor.
    assert sorted(_leader_pids(first_log) + _leader_pids(second_log)) == sorted(
        [leaders[0], other.pid]
    )


def test_the_residents_and_open311_throttles_hold_across_processes(postgres_url, tmp_path):
    """Issue 19, point 9: two server processes on one PostgreSQL database give a client each
    window once, not once per process: reports, look-ups by number and phone, Open311 reads,
    each call sent to the processes in turn."""
    env = {"DOORSTEP_DATABASE_URL": postgres_url, "DOORSTEP_BACKGROUND_EVERY_S": "0"}
    first, second = free_port(), free_port()
    log = tmp_path / "server.log"
    with (
        server_process("run", "--port", str(first), env=env, log=log, port=first),
        server_process("run", "--port", str(second), env=env, log=log, port=second),
    ):
        doors = [f"http://127.0.0.1:{first}", f"http://127.0.0.1:{second}"]

        def statuses(method: str, path: str, times: int, **kwargs) -> list[int]:
            return [
                httpx.request(method, doors[i % 2] + path, timeout=30, **kwargs).status_code
                for i in range(times)
            ]

        report = {
            "category_code": "repair.heating",
            "description": "楼道漏水",
            "address": "幸福路1号",
            "caller_name": "王",
            "caller_phone": "13900000000",
        }
        assert statuses("POST", "/api/v1/public/requests", 6, json=report) == [201] * 5 + [429]
        miss = {"number": "260101-9999", "phone": "13900000000"}
        assert statuses("GET", "/api/v1/public/lookup", 11, params=miss) == [404] * 10 + [429]
        reads = statuses("GET", "/open311/v2/services.json", 121)
        assert reads == [200] * 120 + [429]
