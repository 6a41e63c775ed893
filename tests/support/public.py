"""Helpers for the residents' pages and Open311 tests: staff take a resident's request from
intake to "the resident was told", over any httpx.AsyncClient (in-process or real HTTP)."""

import uuid

import httpx

from server.clock import utcnow
from tests.support.server import PASSWORD

REPORT = {
    "caller_name": "王秀兰",
    "caller_phone": "13912345678",
    "address": "和平春晖社区6号楼3单元201",
    "category_code": "repair.water",
    "description": "卫生间水管漏水，楼下已经渗水",
}


async def sign_in(client: httpx.AsyncClient, username: str) -> tuple[dict[str, str], dict]:
    device = str(uuid.uuid4())
    response = await client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "device_id": device},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return {"authorization": f"Bearer {body['access_token']}"}, {**body["user"], "device": device}


async def request_id(client: httpx.AsyncClient, headers: dict, number: str) -> str:
    listed = await client.get("/api/v1/requests", params={"limit": 1000}, headers=headers)
    return next(r["id"] for r in listed.json() if r["number"] == number)


async def bring_to_feedback(
    client: httpx.AsyncClient, number: str, note: str = "已电话告知：水管已修好"
) -> str:
    """Dispatch (to 和平春晖社区), assign to worker1, work it on the phone, verify, tell the
    resident. Returns the request's id."""
    dispatcher, _ = await sign_in(client, "dispatcher")
    rid = await request_id(client, dispatcher, number)
    response = await client.post(
        f"/api/v1/requests/{rid}/dispatch",
        json={"community_code": "D01-S01-C01"},
        headers=dispatcher,
    )
    assert response.status_code == 200, response.text
    worker_headers, worker = await sign_in(client, "worker1")
    response = await client.post(
        f"/api/v1/requests/{rid}/assign", json={"assignee_id": worker["id"]}, headers=dispatcher
    )
    assert response.status_code == 200, response.text
    visit_id = response.json()["visit_id"]
    now = utcnow().isoformat()
    mutations = [
        {"seq": 1, "name": "visit.start", "args": {"visit_id": visit_id, "at": now}},
        {
            "seq": 2,
            "name": "visit.complete",
            "args": {"visit_id": visit_id, "at": now, "summary": "更换水管接头，张伟 13800138000"},
        },
    ]
    for m in mutations:
        m["hlc"] = f"{1_700_000_000_000 + m['seq']:013d}:00000:test"
    pushed = await client.post(
        "/api/v1/sync/push",
        json={"protocol": 1, "device_id": worker["device"], "mutations": mutations},
        headers=worker_headers,
    )
    assert [r["status"] for r in pushed.json()["results"]] == ["applied", "applied"], pushed.text
    supervisor, _ = await sign_in(client, "supervisor1")
    response = await client.post(
        f"/api/v1/requests/{rid}/verify", json={"decision": "approve"}, headers=supervisor
    )
    assert response.status_code == 200, response.text
    response = await client.post(
        f"/api/v1/requests/{rid}/feedback", json={"note": note}, headers=dispatcher
    )
    assert response.json()["status"] == "feedback_given", response.text
    return rid
