"""Every time that comes in carries its zone and lies between 1970 and 2200, in bodies, queries
and mutations alike: anything else is a clear 400 (or a rejected mutation), never a 500, and
changes nothing."""

import uuid

import pytest

from shared.instants import check_instant, parse_instant
from tests.support.server import database_state
from tests.test_http_auth import is_problem

BAD_TIMES = [
    "2026-12-03T09:30:00",  # no zone
    "9999-12-31T23:59:59-23:59",  # past the end of the calendar once made UTC
    "2300-01-01T00:00:00Z",  # far in the future
    "1969-12-31T23:59:59Z",  # before 1970
    "0001-01-01T00:00:00+14:00",  # before the start of the calendar once made UTC
]


@pytest.mark.parametrize("text", BAD_TIMES)
def test_the_one_check_refuses_each_bad_time_in_words(text):
    with pytest.raises(ValueError) as refused:
        parse_instant("due_at", text)
    assert "due_at" in str(refused.value)


def test_good_times_pass_with_their_zone():
    assert parse_instant("at", "2026-12-03T09:30:00+08:00").utcoffset().total_seconds() == 8 * 3600
    assert parse_instant("at", "1970-01-01T00:00:00Z").year == 1970
    check_instant("at", None)  # absent is not wrong


async def test_bodies_and_queries_refuse_bad_times_and_change_nothing(api):
    dispatcher = await api.login("dispatcher")
    supervisor = await api.login("supervisor1")
    admin = await api.login("admin")
    resident = (await supervisor.get("/api/v1/residents", params={"limit": 1})).json()[0]
    worker = next(
        u for u in (await supervisor.get("/api/v1/users")).json() if u["username"] == "worker1"
    )
    before = await database_state(api)
    for text in BAD_TIMES:
        calls = [
            supervisor.post(
                "/api/v1/visits",
                json={
                    "resident_id": resident["id"],
                    "kind": "checkin",
                    "assignee_id": worker["id"],
                    "due_at": text,
                },
            ),
            supervisor.post(
                "/api/v1/visit-plans",
                json={
                    "resident_id": resident["id"],
                    "assignee_id": worker["id"],
                    "first_due": text,
                },
            ),
            admin.post(
                "/api/v1/funds/entries",
                json={
                    "org_unit": "D01-S01-C01",
                    "amount_cny": 10,
                    "category": "assistance",
                    "at": text,
                },
            ),
            dispatcher.get("/api/v1/dashboard", params={"since": text}),
            dispatcher.get("/api/v1/dashboard", params={"until": text}),
        ]
        for call in calls:
            answer = await call
            is_problem(answer, 400, "invalid_request")
        spec = await api.client.get("/open311/v2/requests.json", params={"start_date": text})
        assert spec.status_code == 400, spec.text
        assert spec.json()[0]["code"] == 400
    assert await database_state(api) == before


async def test_a_mutation_with_a_bad_time_is_rejected_and_the_rest_applies(api):
    worker = await api.login("worker1")
    resident = (await worker.get("/api/v1/residents", params={"limit": 1})).json()[0]

    def checkin(at: str) -> tuple[str, dict]:
        return (
            "checkin.record",
            {
                "id": str(uuid.uuid4()),
                "resident_id": resident["id"],
                "at": at,
                "seen_in_person": True,
                "wellbeing": "good",
                "notes": "",
            },
        )

    pushed = await worker.push(*(checkin(t) for t in BAD_TIMES), checkin("2026-12-03T01:00:00Z"))
    assert pushed.status_code == 200, pushed.text
    statuses = [r["status"] for r in pushed.json()["results"]]
    assert statuses == ["rejected"] * len(BAD_TIMES) + ["applied"]
    assert {r["error"]["code"] for r in pushed.json()["results"][:-1]} == {"invalid_args"}
