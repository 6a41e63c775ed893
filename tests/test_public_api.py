"""Residents without an account, over the JSON API: report, follow by the private token, rate
(a poor rating reopens), and the abuse the public door must stand (random tokens, throttling,
bad input); both databases, in-process and over real HTTP."""

import asyncio
import hashlib
import secrets

import httpx
import pytest
from sqlalchemy import select

from server.hotline.tables import HotlineRequest
from server.public.tables import RequestTracking
from server.public.throttle import SharedThrottle, Throttle
from tests.support.public import REPORT, bring_to_feedback, request_id, sign_in
from tests.support.server import Api
from tests.test_http_auth import is_problem


async def test_report_follow_and_a_poor_rating_reopens(api):
    made = await api.client.post("/api/v1/public/requests", json=REPORT)
    assert made.status_code == 201, made.text
    receipt = made.json()
    token = receipt["tracking_token"]
    assert len(token) >= 43 and receipt["tracking_url"].endswith(token)  # 256 random bits

    # The server keeps only the token's hash.
    async with api.runtime.sessions() as session:
        request = await session.scalar(
            select(HotlineRequest).where(HotlineRequest.number == receipt["number"])
        )
        tracking = await session.get(RequestTracking, request.id)
    assert tracking.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert request.channel == "web" and request.caller_phone == REPORT["caller_phone"]
    assert request.community_id is not None  # placed by the intake's rule: 和平春晖社区

    shown = (await api.client.get(f"/api/v1/public/requests/{token}")).json()
    assert shown["status"] == "received" and shown["status_words"] == "已受理"
    assert shown["category"] == "供水管道维修" and shown["community"] == "和平春晖社区"
    assert shown["timeline"][0]["by"] == "resident"

    note = "已电话告知：水管已修好，如有问题请拨打 13800138000"
    await bring_to_feedback(api.client, receipt["number"], note)
    shown = (await api.client.get(f"/api/v1/public/requests/{token}")).json()
    assert shown["status"] == "feedback_given" and shown["may_rate"]
    text = str(shown)
    # Staff appear as roles only: no names (the worker is 网格员 张伟, who wrote his name and
    # number into the summary), no phone numbers, not the caller's either.
    for private in ("张伟", "13800138000", REPORT["caller_phone"], REPORT["caller_name"]):
        assert private not in text, private
    assert {step["by"] for step in shown["timeline"]} <= {
        "resident",
        "dispatcher",
        "worker",
        "supervisor",
        "system",
    }
    assert "已电话告知" in text  # what the resident was told, digits masked

    rated = await api.client.post(
        f"/api/v1/public/requests/{token}/rating", json={"score": 1, "comment": "还是漏水"}
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["status"] == "dispatched"  # the hotline's rule: a poor rating reopens
    assert [s["action"] for s in rated.json()["timeline"]][-2:] == ["rated", "reopened"]
    # Once rated, the token cannot rate again until the resident is told anew.
    is_problem(
        await api.client.post(f"/api/v1/public/requests/{token}/rating", json={"score": 5}),
        409,
        "invalid_transition",
    )
    dispatcher, _ = await sign_in(api.client, "dispatcher")
    rid = await request_id(api.client, dispatcher, receipt["number"])
    staff_view = (await api.client.get(f"/api/v1/requests/{rid}", headers=dispatcher)).json()
    assert staff_view["reopened"] == 1 and staff_view["timeline"][-1]["actor_code"] == "caller"


async def test_an_address_that_cannot_be_placed_stays_with_the_district(api):
    made = await api.client.post(
        "/api/v1/public/requests", json={**REPORT, "address": "某路某号（不知道哪个社区）"}
    )
    token = made.json()["tracking_token"]
    shown = (await api.client.get(f"/api/v1/public/requests/{token}")).json()
    assert shown["community"] is None and shown["status"] == "received"
    async with api.runtime.sessions() as session:
        request = await session.scalar(
            select(HotlineRequest).where(HotlineRequest.number == made.json()["number"])
        )
    assert request.community_id is None  # the dispatcher places it; not the first community


async def test_a_guessed_token_is_not_found_always_the_same_way(api):
    await api.client.post("/api/v1/public/requests", json=REPORT)
    answers = []
    for token in (secrets.token_urlsafe(32), "x", "a" * 500, "%00", "Z" * 43):
        response = await api.client.get(f"/api/v1/public/requests/{token}")
        is_problem(response, 404, "not_found")
        answers.append(response.json())
        rating = await api.client.post(f"/api/v1/public/requests/{token}/rating", json={"score": 5})
        is_problem(rating, 404, "not_found")
    assert all(answer == answers[0] for answer in answers), [a["detail"] for a in answers]


async def test_bad_input_is_refused_and_changes_nothing(api):
    before = (await api.client.get("/api/v1/public/catalogue")).json()
    for body, status in (
        ({**REPORT, "category_code": "no.such"}, 422),  # well-formed: a rule's refusal
        ({**REPORT, "caller_phone": "call me"}, 400),
        ({**REPORT, "description": ""}, 400),
        ({**REPORT, "extra": 1}, 400),
        ({k: v for k, v in REPORT.items() if k != "address"}, 400),
    ):
        response = await api.client.post("/api/v1/public/requests", json=body)
        assert response.status_code == status, (body, response.text)
    dispatcher, _ = await sign_in(api.client, "dispatcher")
    listed = (
        await api.client.get("/api/v1/requests", params={"limit": 1000}, headers=dispatcher)
    ).json()
    assert not [r for r in listed if r["caller_name"] == REPORT["caller_name"]]
    assert (await api.client.get("/api/v1/public/catalogue")).json() == before


async def test_the_catalogue_and_the_workstations(api):
    catalogue = (await api.client.get("/api/v1/public/catalogue")).json()
    water = next(c for c in catalogue if c["code"] == "repair.water")
    assert water["time_limit_hours"] > 0 and water["name_zh"]
    one = (
        await api.client.get("/api/v1/public/workstations", params={"community": "D01-S01-C01"})
    ).json()
    assert one == [
        {
            "code": "D01-S01-C01",
            "community": "和平春晖社区",
            "workstation": "和平春晖社区工作站",
            "subdistrict": one[0]["subdistrict"],
            "service_office": one[0]["subdistrict"] + "服务办公室",
        }
    ]
    assert len((await api.client.get("/api/v1/public/workstations")).json()) == 99
    is_problem(
        await api.client.get("/api/v1/public/workstations", params={"community": "nope"}),
        404,
        "not_found",
    )


def test_over_real_http_with_throttling(live_url):
    with httpx.Client(base_url=live_url, timeout=30) as client:
        made = [client.post("/api/v1/public/requests", json=REPORT) for _ in range(5)]
        assert [m.status_code for m in made] == [201] * 5
        tokens = {m.json()["tracking_token"] for m in made}
        assert len(tokens) == 5
        for token in tokens:
            assert client.get(f"/api/v1/public/requests/{token}").json()["status"] == "received"
        # The sixth in ten minutes from the same client waits.
        held = client.post("/api/v1/public/requests", json=REPORT)
        is_problem(held, 429, "rate_limited")
        assert int(held.headers["retry-after"]) > 0
        assert held.json()["retry_after"] == int(held.headers["retry-after"])
        # Reading is counted apart from reporting.
        assert client.get("/api/v1/public/catalogue").status_code == 200


def test_the_throttle_window_slides_per_client_and_kind():
    throttle = Throttle(limits={"submit": (2, 600.0), "read": (1, 60.0)})
    assert throttle.wait("a", "submit", now=0) == 0
    assert throttle.wait("a", "submit", now=10) == 0
    assert throttle.wait("a", "submit", now=20) == 580  # until the first leaves the window
    assert throttle.wait("b", "submit", now=20) == 0  # another client
    assert throttle.wait("a", "read", now=20) == 0  # another kind
    assert throttle.wait("a", "submit", now=600.5) == 0  # the first has left the window
    assert throttle.wait("a", "submit", now=601) == 9


async def test_rating_by_number_and_phone_is_gone_and_the_tracking_view_is_never_cached(api):
    made = (await api.client.post("/api/v1/public/requests", json=REPORT)).json()
    guessed = await api.client.post(
        "/api/v1/public/rating",
        json={"number": made["number"], "caller_phone": REPORT["caller_phone"], "score": 5},
    )
    assert guessed.status_code in (404, 405)
    shown = await api.client.get(f"/api/v1/public/requests/{made['tracking_token']}")
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    assert shown.headers["x-robots-tag"] == "noindex"


async def test_two_server_processes_count_one_window_on_postgresql(settings):
    """Two apps on one database stand for two server processes: on PostgreSQL a client gets
    its five reports in ten minutes once, not once per process. (SQLite runs one process,
    which counts in memory.)"""
    async with Api.start(settings) as first, Api.start(settings) as second:
        answers = []
        for i in range(6):
            door = (first, second)[i % 2].client
            answers.append((await door.post("/api/v1/public/requests", json=REPORT)).status_code)
        if first.runtime.engine.dialect.name == "postgresql":
            assert answers == [201] * 5 + [429]
            held = await first.client.get("/api/v1/public/catalogue")
            assert held.status_code == 200  # reading is another window
        else:
            assert answers == [201] * 6  # each process its own window


async def test_the_shared_window_slides_as_the_memory_one_does(settings):
    async with Api.start(settings) as api:
        if api.runtime.engine.dialect.name != "postgresql":
            pytest.skip("the shared window is PostgreSQL's; SQLite counts in memory")
        throttle = SharedThrottle(
            api.runtime.sessions, limits={"submit": (2, 600.0), "read": (1, 60.0)}
        )
        assert await throttle.wait("a", "submit", now=0) == 0
        assert await throttle.wait("a", "submit", now=10) == 0
        assert await throttle.wait("a", "submit", now=20) == 580
        assert await throttle.wait("b", "submit", now=20) == 0
        assert await throttle.wait("a", "read", now=20) == 0
        assert await throttle.wait("a", "submit", now=600.5) == 0
        assert await throttle.wait("a", "submit", now=601) == 9
        # Concurrent attempts from many tasks never let more than the limit through.
        results = await asyncio.gather(*(throttle.wait("c", "submit", now=700) for _ in range(12)))
        assert results.count(0) == 2


async def test_a_limit_in_working_days_reads_as_working_days(api):
    """A 3-working-day category is never shown as its 72 calendar hours."""
    found = (await api.client.get("/api/v1/public/catalogue")).json()
    days = [c for c in found if c["time_limit_days"]]
    hours = [c for c in found if not c["time_limit_days"]]
    assert days and hours
    assert all(c["time_limit"] == f"{c['time_limit_days']} 个工作日" for c in days)
    assert all(c["time_limit"] == f"{c['time_limit_hours']} 小时" for c in hours)
    page = (await api.client.get("/public/catalogue")).text
    assert f"{days[0]['time_limit_days']} 个工作日" in page
    services = (await api.client.get("/open311/v2/services.json")).json()
    chosen = next(s for s in services if s["service_code"] == days[0]["code"])
    assert f"办理时限 {days[0]['time_limit_days']} 个工作日" in chosen["description"]
