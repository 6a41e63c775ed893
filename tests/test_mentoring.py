"""Mentoring (一帮一): a supervisor pairs a mentor with a family and sets the rhythm; the
visit plans put the mentoring visits on the mentor's phone; the family's visits and
assistance are totalled; who may pair whom is shared/permissions.py's rule."""

import re
import uuid
from datetime import timedelta

from server.clock import utcnow
from server.plans import service as plans
from server.visits.tables import Visit
from shared.enums import Role
from shared.permissions import Actor, may_manage_mentoring, may_mentor, may_pair_mentor
from tests.test_console_words import _assert_words, _console

C01, C02 = "D01/D01-S01/D01-S01-C01", "D01/D01-S01/D01-S01-C02"


def test_who_pairs_and_who_mentors_as_a_table():
    def actor(role, path):
        return Actor(uuid.uuid4(), role, path)

    assert may_pair_mentor(actor(Role.SUPERVISOR, C01), C01)
    assert may_pair_mentor(actor(Role.SUPERVISOR, "D01/D01-S01"), C02)
    assert not may_pair_mentor(actor(Role.SUPERVISOR, C01), C02)
    assert may_pair_mentor(actor(Role.ADMIN, "D01"), C02)
    for role in (Role.DISPATCHER, Role.WORKER, Role.MENTOR):
        assert not may_pair_mentor(actor(role, "D01"), C01), role
        assert not may_manage_mentoring(actor(role, C01)), role
    assert may_mentor(Role.MENTOR, C01, C01)
    assert not may_mentor(Role.MENTOR, C02, C01)
    assert not may_mentor(Role.WORKER, C01, C01)
    assert not may_mentor(Role.SUPERVISOR, C01, C01)


def _csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([0-9a-f]+)"', html)[1]


async def test_pairing_in_the_console_plans_visits_on_the_mentors_phone(api):
    supervisor = await api.login("supervisor1")
    mentor = await api.login("mentor1")
    residents = (await supervisor.get("/api/v1/residents", params={"limit": 1000})).json()
    family = next(r for r in residents if r["mentor_id"] is None and "和平春晖社区" in r["address"])
    client = await _console(api, "supervisor1", "zh")
    try:
        listing = await client.get("/console/mentoring")
        assert listing.status_code == 200
        _assert_words(listing.text, "zh", "mentoring")
        found = await client.get("/console/mentoring", params={"q": family["name"]})
        assert family["id"] in found.text.split('id="resident-id"')[1].split("</select>")[0]
        paired = await client.post(
            "/console/mentoring/pair",
            data={
                "_csrf_token": _csrf(listing.text),
                "resident_id": family["id"],
                "mentor_id": mentor.user["id"],
                "interval_days": "10",
            },
        )
        assert paired.status_code == 303, paired.text[:300]
        page = await client.get(paired.headers["location"])
        assert page.status_code == 200 and "每10天" in page.text
        _assert_words(page.text, "zh", "family")
        en = await _console(api, "supervisor1", "en")
        try:
            _assert_words((await en.get(paired.headers["location"])).text, "en", "family")
            _assert_words((await en.get("/console/mentoring")).text, "en", "mentoring")
        finally:
            await en.aclose()
        # The first visit, due now, is made at once; the background round makes no second
        # one while it is open. It is on the mentor's phone.
        async with api.runtime.sessions() as session, session.begin():
            made = await plans.generate_due_visits(session, utcnow())
        assert family["id"] not in {str(v.resident_id) for v in made if v.kind == "mentoring"}
        records, _ = await mentor.pull_all()
        visits = [
            v
            for (entity, _), v in records.items()
            if entity == "visit" and v and v["resident_id"] == family["id"]
        ]
        assert [v["kind"] for v in visits] == ["mentoring"]
        assert ("resident", family["id"]) in records  # the family is now on the phone
        # The mentor logs help; the family's totals count it.
        await mentor.push(
            (
                "assistance.log",
                {
                    "id": str(uuid.uuid4()),
                    "resident_id": family["id"],
                    "at": utcnow().isoformat(),
                    "kind": "送米面油",
                    "amount_cny": 120.5,
                    "description": "春节慰问",
                },
            )
        )
        shown = (await supervisor.get(f"/api/v1/mentoring/families/{family['id']}")).json()
        assert shown["mentor_id"] == mentor.user["id"] and shown["interval_days"] == 10
        assert shown["assistance_count"] == 1 and shown["assistance_cny"] == 120.5
        assert shown["visits_open"] == 1
        families = (await supervisor.get("/api/v1/mentoring/families")).json()
        assert family["id"] in {f["resident_id"] for f in families}
        # Ending the pairing stops the plan: no further visits are made.
        ended = await client.post(
            f"/console/mentoring/{family['id']}/end", data={"_csrf_token": _csrf(page.text)}
        )
        assert ended.status_code == 303
        async with api.runtime.sessions() as session, session.begin():
            later = await plans.generate_due_visits(session, utcnow() + timedelta(days=30))
        mentoring = {str(v.resident_id) for v in later if v.kind == "mentoring"}
        assert family["id"] not in mentoring
    finally:
        await client.aclose()


async def test_pairing_refusals_are_pages_and_problems(api):
    supervisor = await api.login("supervisor1")
    worker = await api.login("worker1")
    residents = (await supervisor.get("/api/v1/residents", params={"limit": 1000})).json()
    family = residents[0]
    refused = await supervisor.post(
        "/api/v1/mentoring/pairs",
        json={"resident_id": family["id"], "mentor_id": worker.user["id"]},
    )
    assert refused.status_code == 400 and refused.json()["code"] == "not_a_mentor"
    mentor = await api.login("mentor1")
    assert (await mentor.get("/api/v1/mentoring/families")).status_code == 403
    client = await _console(api, "supervisor1", "zh")
    try:
        listing = await client.get("/console/mentoring")
        for bad in (
            {"resident_id": "", "mentor_id": worker.user["id"]},
            {"resident_id": family["id"], "mentor_id": worker.user["id"]},
            {"resident_id": family["id"], "mentor_id": mentor.user["id"], "interval_days": "x"},
            {"resident_id": family["id"], "mentor_id": mentor.user["id"], "first_due": "bad"},
        ):
            answer = await client.post(
                "/console/mentoring/pair", data={"_csrf_token": _csrf(listing.text), **bad}
            )
            assert answer.status_code == 400, bad
            assert "text/html" in answer.headers["content-type"], bad
    finally:
        await client.aclose()
    mentor_console = await _console(api, "mentor1", "zh")
    try:
        assert (await mentor_console.get("/console/mentoring")).status_code == 403
    finally:
        await mentor_console.aclose()


async def test_ending_a_pairing_cancels_the_waiting_visit_and_the_phone_lets_go(api):
    supervisor = await api.login("supervisor1")
    mentor = await api.login("mentor1")
    residents = (await supervisor.get("/api/v1/residents", params={"limit": 1000})).json()
    family = next(r for r in residents if r["mentor_id"] is None and "和平春晖社区" in r["address"])
    paired = await supervisor.post(
        "/api/v1/mentoring/pairs",
        json={"resident_id": family["id"], "mentor_id": mentor.user["id"], "interval_days": 30},
    )
    assert paired.status_code == 200, paired.text
    assert paired.json()["visits_open"] == 1
    records, cursor = await mentor.pull_all()
    assert ("resident", family["id"]) in records
    ended = await supervisor.post(f"/api/v1/mentoring/pairs/{family['id']}/end")
    assert ended.status_code == 200
    shown = ended.json()
    assert shown["mentor_id"] is None and shown["interval_days"] is None
    assert shown["visits_open"] == 0
    assert [v["status"] for v in shown["visits"]] == ["cancelled"]
    # Why is stored as a code; the API words it in Chinese too, for readers of the JSON.
    cancelled = (await supervisor.get(f"/api/v1/visits/{shown['visits'][0]['id']}")).json()
    assert cancelled["cancel_code"] == "mentoring_ended"
    assert cancelled["cancel_reason"] == "一帮一结对已解除"
    async with api.runtime.sessions() as session:
        row = await session.get(Visit, uuid.UUID(cancelled["id"]))
        assert (row.cancel_reason, row.cancel_code) == ("", "mentoring_ended")
    later, _ = await mentor.pull_all(cursor)
    assert later.get(("resident", family["id"]), "kept") is None  # deleted from the phone


async def test_the_demo_families_have_a_rhythm(api):
    supervisor = await api.login("supervisor1")
    families = (await supervisor.get("/api/v1/mentoring/families")).json()
    assert families and all(f["interval_days"] == 14 for f in families)
    assert all(f["mentor_name"] for f in families)
