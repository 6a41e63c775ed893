"""Hostile bytes and values: each class the attack found answers a clear 4xx problem+json and
changes nothing (issue: hostile input, real authority, sessions that end)."""

import uuid

import pytest

from tests.support.server import database_state


def assert_problem(response, statuses=(400, 422)):
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] and body["status"] == response.status_code
    return body


@pytest.fixture
async def worker(api):
    return await api.login("worker1")


def _push(device_id: str, *mutations: dict) -> dict:
    return {"protocol": 1, "device_id": device_id, "mutations": list(mutations)}


async def test_bytes_that_are_not_json_text_anywhere(api, worker):
    before = await database_state(api)
    bad_bodies = [
        b'{"username": "worker1", "password": "\xff\xfe", "device_id": "x"}',  # not UTF-8
        b"[" * 100_000,  # nested past any parser's stack
        b'{"username": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"username": "\\ud800", "password": "x", "device_id": "'
        + uuid.uuid4().hex.encode()
        + b'"}',
    ]
    headers = {"content-type": "application/json"}
    for body in bad_bodies:
        for path, who in (
            ("/api/v1/auth/login", {}),
            ("/api/v1/requests", worker.headers),
            ("/api/v1/sync/push", worker.headers),
            ("/api/v1/residents", worker.headers),
        ):
            response = await api.client.post(path, content=body, headers={**headers, **who})
            assert_problem(response, (400, 401, 403, 422))
    assert await database_state(api) == before


async def test_a_push_nested_deep_inside_args_or_with_lone_surrogates(api, worker):
    before = await database_state(api)
    head = '{"protocol": 1, "device_id": "' + worker.device_id + '", "mutations": [{"seq": 1, '
    deep = (
        head
        + '"name": "checkin.record", "hlc": "1764288000000:00000:ab", "args": {"notes": '
        + "[" * 5000
        + "]" * 5000
        + "}}]}"
    )
    response = await worker.post(
        "/api/v1/sync/push", content=deep.encode(), headers={"content-type": "application/json"}
    )
    assert_problem(response)
    for name, notes in (("checkin.record\ud800", "x"), ("checkin.record", "\ud800")):
        escaped = [text.encode("unicode_escape").decode() for text in (name, notes)]
        body = (
            head
            + f'"name": "{escaped[0]}", "hlc": "1764288000000:00000:ab", '
            + f'"args": {{"notes": "{escaped[1]}"}}}}]}}'
        )
        response = await worker.post(
            "/api/v1/sync/push", content=body.encode(), headers={"content-type": "application/json"}
        )
        assert_problem(response)
    assert await database_state(api) == before


async def test_a_clock_stamp_with_a_trailing_newline_is_not_a_clock_stamp(api, worker):
    visits = (await worker.get("/api/v1/visits", params={"status": "assigned"})).json()
    response = await worker.post(
        "/api/v1/sync/push",
        json=_push(
            worker.device_id,
            {
                "seq": 1,
                "name": "visit.start",
                "args": {"visit_id": visits[0]["id"], "at": "2026-11-27T08:00:00Z"},
                "hlc": "1764288000000:00000:ab\n",
            },
        ),
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["error"]["code"] == "invalid_hlc"
    assert (await worker.get(f"/api/v1/visits/{visits[0]['id']}")).json()["status"] == "assigned"


@pytest.mark.parametrize(
    "at", ["2026-12-01T10:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z"]
)
async def test_naive_and_out_of_range_times_in_a_push(api, worker, at):
    visits = (await worker.get("/api/v1/visits", params={"status": "assigned"})).json()
    response = await worker.push(("visit.start", {"visit_id": visits[0]["id"], "at": at}))
    assert response.status_code == 200
    assert response.json()["results"][0]["error"]["code"] == "invalid_args"
    assert (await worker.get(f"/api/v1/visits/{visits[0]['id']}")).json()["status"] == "assigned"


@pytest.mark.parametrize(
    "cursor",
    [
        "MS45OTk5OTk5OTk5OTk5OTk5OTk5OTkuMC5hYmM",  # 1.99999999999999999999.0.abc
        "MS4wLjk5OTk5OTk5OTk5OTk5OTk5OTk5LmFiYw",  # 1.0.99999999999999999999.abc
        "MS4tNS4wLmFiYw",  # 1.-5.0.abc
        "A" * 5000,
    ],
)
async def test_pull_cursors_out_of_range(api, worker, cursor):
    assert_problem(await worker.get("/api/v1/sync/pull", params={"cursor": cursor}))


async def test_a_record_elsewhere_answers_like_no_record(api):
    """resident.update, visit moves: a foreign record and a missing one get the same answer."""
    worker1, worker3 = await api.login("worker1"), await api.login("worker3")
    resident = (await worker1.get("/api/v1/residents")).json()[0]
    visit = (await worker1.get("/api/v1/visits", params={"status": "assigned"})).json()[0]
    answers = []
    for target_resident, target_visit in (
        (resident["id"], visit["id"]),
        (str(uuid.uuid4()), str(uuid.uuid4())),
    ):
        response = await worker3.push(
            ("resident.update", {"id": target_resident, "fields": {"phone": "1"}}),
            ("visit.start", {"visit_id": target_visit, "at": "2026-11-27T08:00:00Z"}),
        )
        answers.append([r["error"] for r in response.json()["results"]])
    assert answers[0] == answers[1]
    assert {error["code"] for error in answers[0]} == {"not_found"}


async def test_a_request_id_of_someone_else_is_not_applied(api):
    worker1, worker3 = await api.login("worker1"), await api.login("worker3")
    resident = (await worker1.get("/api/v1/residents")).json()[0]
    request_id = str(uuid.uuid4())
    args = {
        "id": request_id,
        "resident_id": resident["id"],
        "category_code": "repair.water",
        "description": "水管漏水",
    }
    first = await worker1.push(("request.create", args))
    assert first.json()["results"][0]["status"] == "applied", first.text
    theirs = (await worker3.get("/api/v1/residents")).json()[0]
    second = await worker3.push(("request.create", {**args, "resident_id": theirs["id"]}))
    assert second.json()["results"][0]["status"] == "rejected"
    assert second.json()["results"][0]["error"]["code"] == "duplicate_id"


async def test_a_mentor_sees_only_the_plans_of_their_own_visits(api):
    supervisor = await api.login("supervisor1")
    plans = (await supervisor.get("/api/v1/visit-plans")).json()
    assert plans, "the demo has visit plans"
    mentor = await api.login("mentor1")
    mine = (await mentor.get("/api/v1/visit-plans")).json()
    assert all(plan["assignee_id"] == mentor.user["id"] for plan in mine)
    assert len(mine) < len(plans)
