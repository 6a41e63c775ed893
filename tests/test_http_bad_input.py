"""Bad input gets a clear 4xx problem+json and changes nothing."""

import json
import uuid

import pytest

from tests.support.server import database_state


def assert_problem(response, statuses=(400,)):
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] and body["title"] and body["status"] == response.status_code
    return body


@pytest.fixture
async def signed_in(api):
    supervisor = await api.login("supervisor1")
    worker = await api.login("worker1")
    return supervisor, worker


async def test_malformed_wrong_typed_and_unknown_fields(api, signed_in):
    supervisor, worker = signed_in
    before = await database_state(api)
    headers = {**supervisor.headers, "content-type": "application/json"}
    cases = [
        ("/api/v1/residents", b"{not json"),
        ("/api/v1/residents", b"[]"),
        (
            "/api/v1/residents",
            json.dumps(
                {"name": "x", "community_code": "D01-S01-C01", "birth_year": "old"}
            ).encode(),
        ),
        (
            "/api/v1/residents",
            json.dumps({"name": "x", "community_code": "D01-S01-C01", "is_admin": True}).encode(),
        ),
        ("/api/v1/residents", json.dumps({"name": "", "community_code": "D01-S01-C01"}).encode()),
        ("/api/v1/visits", json.dumps({"resident_id": "not-a-uuid", "kind": "checkin"}).encode()),
        (
            "/api/v1/visits",
            json.dumps({"resident_id": str(uuid.uuid4()), "kind": "party"}).encode(),
        ),
        (
            "/api/v1/auth/login",
            json.dumps(
                {"username": "worker1", "password": 5, "device_id": str(uuid.uuid4())}
            ).encode(),
        ),
        (
            "/api/v1/auth/login",
            json.dumps({"username": "worker1", "password": "x", "device_id": "abc"}).encode(),
        ),
    ]
    for path, body in cases:
        response = await api.client.post(path, content=body, headers=headers)
        assert_problem(response, (400, 422))
    assert await database_state(api) == before


async def test_push_envelope_errors_refuse_the_whole_batch(api, signed_in):
    _, worker = signed_in
    before = await database_state(api)
    post = lambda body: worker.post("/api/v1/sync/push", content=body)  # noqa: E731
    assert_problem(await post(b"\x00\xff"), (400,))
    assert_problem(await post(b'{"protocol": 1}'), (400,))
    envelope = {"protocol": 1, "device_id": worker.device_id, "mutations": []}
    assert_problem(await post(json.dumps({**envelope, "extra": 1}).encode()), (400,))
    assert_problem(
        await post(
            json.dumps(
                {
                    **envelope,
                    "mutations": [
                        {"seq": 1, "name": "visit.start", "args": {}, "hlc": "x"},
                        {"seq": 3, "name": "visit.start", "args": {}, "hlc": "x"},
                    ],
                }
            ).encode()
        ),
        (422,),  # well-formed, but no phone numbers its outbox so
    )
    body = assert_problem(await post(json.dumps({**envelope, "protocol": 0}).encode()), (426,))
    assert body["code"] == "unsupported_protocol"
    other = {**envelope, "device_id": str(uuid.uuid4())}
    assert assert_problem(await post(json.dumps(other).encode()), (403,))["code"] == "forbidden"
    gap = {**envelope, "mutations": [{"seq": 5, "name": "visit.start", "args": {}, "hlc": "x"}]}
    body = assert_problem(await post(json.dumps(gap).encode()), (409,))
    assert body["code"] == "seq_gap" and body["expected"] == 1
    too_many = {
        **envelope,
        "mutations": [
            {"seq": i, "name": "visit.start", "args": {}, "hlc": "x"} for i in range(1, 502)
        ],
    }
    assert (
        assert_problem(await post(json.dumps(too_many).encode()), (413,))["code"]
        == "payload_too_large"
    )
    huge = {
        **envelope,
        "mutations": [
            {"seq": 1, "name": "checkin.record", "args": {"notes": "x" * (1024 * 1024)}, "hlc": "x"}
        ],
    }
    assert (
        assert_problem(await post(json.dumps(huge).encode()), (413,))["code"] == "payload_too_large"
    )
    assert await database_state(api) == before


async def test_oversized_bodies_anywhere(api, signed_in):
    supervisor, _ = signed_in
    before = await database_state(api)
    body = json.dumps({"name": "x" * (3 * 1024 * 1024), "community_code": "D01-S01-C01"})
    response = await supervisor.post(
        "/api/v1/residents", content=body, headers={"content-type": "application/json"}
    )
    assert assert_problem(response, (413,))["code"] == "payload_too_large"
    assert await database_state(api) == before


async def test_forged_and_foreign_ids(api, signed_in):
    supervisor, worker = signed_in
    before = await database_state(api)
    forged = str(uuid.uuid4())
    assert_problem(await supervisor.get(f"/api/v1/residents/{forged}"), (404,))
    assert_problem(
        await supervisor.post(f"/api/v1/visits/{forged}/cancel", json={"reason": "x"}), (404,)
    )
    assert_problem(
        await supervisor.post("/api/v1/visits", json={"resident_id": forged, "kind": "checkin"}),
        (404,),
    )
    assert_problem(await supervisor.get("/api/v1/visits/not-a-uuid"), (400, 404))
    # A mutation naming a record that does not exist is rejected; the batch goes on.
    response = await worker.push(
        ("visit.start", {"visit_id": forged, "at": "2026-11-27T08:00:00Z"}),
        (
            "checkin.record",
            {
                "id": str(uuid.uuid4()),
                "resident_id": forged,
                "at": "2026-11-27T08:00:00Z",
                "seen_in_person": True,
                "wellbeing": "good",
                "notes": "",
            },
        ),
        ("no.such.thing", {}),
        ("visit.start", {"visit_id": forged, "at": "yesterday"}),
    )
    assert response.status_code == 200
    codes = [r["error"]["code"] for r in response.json()["results"]]
    assert codes == ["not_found", "not_found", "unknown_mutation", "invalid_args"]
    after = await database_state(api)
    assert after.pop("device") == before.pop("device")
    assert after.pop("audit_entry") == before.pop("audit_entry")
    # The mutation log records each rejection (and its reason) once; nothing else changed.
    assert after.pop("mutation_log") == before.pop("mutation_log") + 4
    assert after == before


async def test_bad_query_parameters(api, signed_in):
    _, worker = signed_in
    assert_problem(await worker.get("/api/v1/sync/pull", params={"limit": 0}))
    assert_problem(await worker.get("/api/v1/sync/pull", params={"limit": 5001}))
    assert_problem(await worker.get("/api/v1/sync/pull", params={"limit": "many"}))
    assert_problem(await worker.get("/api/v1/sync/pull", params={"cursor": "bogus!"}))
    assert_problem(await worker.get("/api/v1/sync/pull", params={"protocol": 2}), (426,))
