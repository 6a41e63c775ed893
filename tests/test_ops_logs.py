"""JSON logs: their shape, the request id on every line, and nothing secret or personal in them."""

import io
import json
import logging
import os
import subprocess
import sys
import uuid

import httpx
from litestar import Litestar, get

from server.ops.http import request_context
from server.ops.logs import make_handler
from tests.support.live import free_port
from tests.support.processes import ROOT, server_process

PASSWORD = "demo-pass-2026"
WRONG_PASSWORD = "Wr0ng-but-close-2026"
REQUEST_LINE = {"ts", "level", "event", "request_id", "method", "path", "status", "duration_ms"}


def _login(
    http: httpx.Client, username: str, password: str = PASSWORD, device_id: str | None = None
) -> httpx.Response:
    return http.post(
        "/api/v1/auth/login",
        json={
            "username": username,
            "password": password,
            "device_id": device_id or str(uuid.uuid4()),
        },
    )


def _pull_everything(http: httpx.Client, headers: dict) -> list[dict]:
    changes, cursor = [], None
    while True:
        params = {"limit": 5000, **({"cursor": cursor} if cursor else {})}
        page = http.get("/api/v1/sync/pull", params=params, headers=headers).json()
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes


def _a_working_day(http: httpx.Client) -> tuple[list[str], dict[str, str]]:
    """Logins, refreshes, pulls and pushes with residents' data, a hotline call; returns the
    secrets and personal data that went over the wire, and each answer's X-Request-ID → status."""
    secrets: list[str] = [PASSWORD, WRONG_PASSWORD]
    answers: dict[str, str] = {}

    def seen(response: httpx.Response) -> httpx.Response:
        answers[response.headers["x-request-id"]] = response.status_code
        return response

    assert seen(_login(http, "worker1", WRONG_PASSWORD)).status_code == 401
    login = seen(_login(http, "worker1")).json()
    secrets += [login["access_token"], login["refresh_token"]]
    refreshed = seen(
        http.post("/api/v1/auth/refresh", json={"refresh_token": login["refresh_token"]})
    ).json()
    secrets += [refreshed["access_token"], refreshed["refresh_token"]]
    device_id = str(uuid.uuid4())
    worker = _login(http, "worker1", device_id=device_id).json()
    headers = {"authorization": f"Bearer {worker['access_token']}"}
    secrets += [worker["access_token"], worker["refresh_token"]]
    changes = _pull_everything(http, headers)
    residents = [c["data"] for c in changes if c["entity"] == "resident"]
    assert len(residents) > 10
    for resident in residents:
        secrets += [resident["name"], resident["phone"], resident["address"]]
        if resident.get("notes"):
            secrets.append(resident["notes"])
    resident = residents[0]
    notes = "老人说儿子王建国下周回家，药放在床头柜"
    new_phone, new_address = "13987654321", "幸福路88号3单元502室"
    secrets += [notes, new_phone, new_address]
    push = http.post(
        "/api/v1/sync/push",
        headers=headers,
        json={
            "protocol": 1,
            "device_id": device_id,
            "mutations": [
                {
                    "seq": 1,
                    "name": "checkin.record",
                    "args": {
                        "id": str(uuid.uuid4()),
                        "resident_id": resident["id"],
                        "at": "2026-11-27T09:30:00Z",
                        "seen_in_person": True,
                        "wellbeing": "fair",
                        "notes": notes,
                    },
                    "hlc": "1764234000000:00000:a1b2c3d4",
                },
                {
                    "seq": 2,
                    "name": "resident.update",
                    "args": {
                        "id": resident["id"],
                        "fields": {"phone": new_phone, "address": new_address, "notes": notes},
                    },
                    "hlc": "1764234000001:00000:a1b2c3d4",
                },
            ],
        },
    )
    assert seen(push).status_code == 200, push.text
    assert [r["status"] for r in push.json()["results"]] == ["applied", "applied"]
    dispatcher = _login(http, "dispatcher").json()
    secrets.append(dispatcher["access_token"])
    caller = {"caller_name": "赵丽华", "caller_phone": "13611112222", "address": "和平街12号"}
    secrets += list(caller.values())
    category = next(c["data"]["code"] for c in changes if c["entity"] == "service_category")
    created = http.post(
        "/api/v1/requests",
        headers={"authorization": f"Bearer {dispatcher['access_token']}"},
        json={"channel": "phone", **caller, "category_code": category, "description": notes},
    )
    assert seen(created).status_code == 201, created.text
    # A bad request and a forged token, so that error paths log too.
    seen(http.post("/api/v1/sync/push", headers=headers, content=b"{not json"))
    seen(http.get("/api/v1/sync/pull", headers={"authorization": "Bearer forged.token"}))
    # No route at all: answered by the router, still with an id and a line.
    seen(http.get(f"/api/v1/no-such-thing/{worker['refresh_token']}"))
    return secrets, answers


def test_json_logs_have_the_shape_and_no_secrets_or_personal_data(database_url, tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    env = {
        "DOORSTEP_DATABASE_URL": database_url,
        "DOORSTEP_LOG_FORMAT": "json",
        "DOORSTEP_BACKGROUND_EVERY_S": "0.5",
    }
    with (
        server_process("run", "--port", str(port), env=env, log=log, port=port),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http,
    ):
        secrets, answers = _a_working_day(http)
        kept = http.get("/health", headers={"x-request-id": "trace-from-the-proxy-1"})
        assert kept.headers["x-request-id"] == "trace-from-the-proxy-1"
    text = log.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert all({"ts", "level", "event"} <= set(line) for line in lines)
    requests = [line for line in lines if line["event"] == "request"]
    assert all(REQUEST_LINE <= set(line) for line in requests)
    by_id = {line["request_id"]: line for line in requests}
    for request_id, status in answers.items():
        assert by_id[request_id]["status"] == status
    assert by_id["trace-from-the-proxy-1"]["path"] == "/health"
    leaked = [secret for secret in secrets if secret and secret in text]
    assert leaked == []


def test_every_line_of_a_request_carries_its_id():
    @get("/work", sync_to_thread=False)
    def work() -> dict:
        logging.getLogger("doorstep.test").info("first step")
        logging.getLogger("doorstep.test").warning("second step")
        return {}

    stream = io.StringIO()
    handler = make_handler(stream, "json")
    logger = logging.getLogger("doorstep")
    logger.addHandler(handler)
    try:
        from litestar.testing import TestClient

        with TestClient(Litestar([work], middleware=[request_context])) as client:
            first = client.get("/work").headers["x-request-id"]
            second = client.get("/work").headers["x-request-id"]
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert first != second
    for request_id in (first, second):
        mine = [line for line in lines if line.get("request_id") == request_id]
        assert [line["event"] for line in mine] == ["first step", "second step", "request"]


def test_json_logs_from_the_first_line_to_the_last_and_nothing_on_stdout(database_url, tmp_path):
    """Start-up, a normal stop, and a start-up that fails (a database that is not there): every
    line the process writes is one JSON object on stderr; stdout stays empty."""
    port = free_port()
    env = {**os.environ, "DOORSTEP_DATABASE_URL": database_url, "DOORSTEP_LOG_FORMAT": "json"}
    log = tmp_path / "up.log"
    with server_process("run", "--port", str(port), env=env, log=log, port=port):
        pass
    started = [json.loads(line) for line in log.read_text("utf-8").splitlines() if line.strip()]
    assert any("Doorstep on http" in line["event"] for line in started)
    failing = {
        **env,
        "DOORSTEP_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere",
    }
    failed = subprocess.run(
        [sys.executable, "-m", "server", "run", "--port", str(free_port())],
        cwd=ROOT,
        env=failing,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode != 0
    assert failed.stdout == ""
    lines = [json.loads(line) for line in failed.stderr.splitlines() if line.strip()]
    assert lines and lines[-1]["level"] == "error" and "exception" in lines[-1]
