"""回访 as a record, 复核 after an unsatisfied answer or a poor rating, and repeats merged into
their main request (contract v3, "Hotline rules")."""

from server.clock import utcnow
from tests.test_hotline import elderly_resident, leaking_pipe
from tests.test_hotline_rules import _supervisor_at
from tests.test_http_auth import is_problem


async def told(api, dispatcher) -> str:
    """A request worked by worker1, verified, and the caller told: waiting for its rating."""
    resident = await elderly_resident(api)
    rid = (await leaking_pipe(api, dispatcher, resident))["id"]
    await dispatcher.post(f"/api/v1/requests/{rid}/dispatch", json={})
    worker = await api.login("worker1")
    visit_id = (
        await dispatcher.post(
            f"/api/v1/requests/{rid}/assign", json={"assignee_id": worker.user["id"]}
        )
    ).json()["visit_id"]
    now = utcnow().isoformat()
    await worker.push(
        ("visit.start", {"visit_id": visit_id, "at": now}),
        ("visit.complete", {"visit_id": visit_id, "at": now, "summary": "换了水管接头"}),
    )
    supervisor = await api.login("supervisor1")
    await supervisor.post(f"/api/v1/requests/{rid}/verify", json={"decision": "approve"})
    answer = await dispatcher.post(f"/api/v1/requests/{rid}/feedback", json={"note": "已告知"})
    assert answer.json()["status"] == "feedback_given", answer.text
    return rid


CALLBACK = {"method": "phone", "reached": True, "resolved": True, "satisfied": True, "note": "好"}


async def test_a_callback_is_recorded_closes_a_satisfied_request_and_shows_on_the_timeline(api):
    dispatcher = await api.login("dispatcher")
    rid = await told(api, dispatcher)
    missed = {**CALLBACK, "reached": False, "resolved": None, "satisfied": None, "note": "无人接"}
    first = await dispatcher.post(f"/api/v1/requests/{rid}/callbacks", json=missed)
    assert first.status_code == 201, first.text
    assert first.json()["reached"] is False and first.json()["by_id"] == dispatcher.user["id"]
    after = (await dispatcher.get(f"/api/v1/requests/{rid}")).json()
    assert after["status"] == "feedback_given"  # nobody answered: nothing decided
    second = await dispatcher.post(f"/api/v1/requests/{rid}/callbacks", json=CALLBACK)
    assert second.status_code == 201, second.text
    final = (await dispatcher.get(f"/api/v1/requests/{rid}")).json()
    assert final["status"] == "closed"
    assert [c["method"] for c in final["callbacks"]] == ["phone", "phone"]
    steps = [e for e in final["timeline"] if "callback" in e["action"]]
    assert len(steps) == 2 and steps[1]["params"]["satisfied"] is True
    assert final["timeline"][-1]["action"] == "closed"


async def test_an_unsatisfied_callback_opens_review_at_the_level_that_closed_it(api):
    dispatcher = await api.login("dispatcher")
    rid = await told(api, dispatcher)
    rated = await dispatcher.post(f"/api/v1/requests/{rid}/rating", json={"score": 4})
    assert rated.json()["status"] == "closed"
    unhappy = {**CALLBACK, "resolved": False, "satisfied": False, "note": "还在漏"}
    answer = await dispatcher.post(f"/api/v1/requests/{rid}/callbacks", json=unhappy)
    assert answer.status_code == 201, answer.text
    request = (await dispatcher.get(f"/api/v1/requests/{rid}")).json()
    assert request["status"] == "dispatched" and request["closed_at"] is None
    assert request["reopened"] == 1 and request["assignee_id"] is None
    # Back to the community that held it, for a new assignment.
    assert request["held_by"]["code"] == "D01-S01-C01" and request["level"] == "community"
    step = request["timeline"][-1]
    assert step["action"] == "reopened" and step["params"]["reason"] == "unsatisfied_callback"


async def test_a_poor_rating_opens_the_same_review(api):
    dispatcher = await api.login("dispatcher")
    rid = await told(api, dispatcher)
    rated = (await dispatcher.post(f"/api/v1/requests/{rid}/rating", json={"score": 1})).json()
    assert rated["status"] == "dispatched" and rated["reopened"] == 1
    step = rated["timeline"][-1]
    assert step["params"] == {"reason": "poor_rating", "level": "community"}


async def test_who_may_record_a_callback_and_what_is_refused(api):
    dispatcher = await api.login("dispatcher")
    rid = await told(api, dispatcher)
    url = f"/api/v1/requests/{rid}/callbacks"
    supervisor = await api.login("supervisor1")  # sees it, but is no hotline staff
    is_problem(await supervisor.post(url, json=CALLBACK), 403, "forbidden")
    worker = await api.login("worker1")
    assert (await worker.post(url, json=CALLBACK)).status_code in (403, 404)
    sub = await _supervisor_at(api, "D01-S02", "sub2")  # another subdistrict: not even seen
    is_problem(await sub.post(url, json=CALLBACK), 404, "not_found")
    # Answers from nobody reached; a bad method; a missing field; an unknown one.
    is_problem(await dispatcher.post(url, json={**CALLBACK, "reached": False}), 422, "not_reached")
    for bad in (
        {**CALLBACK, "method": "fax"},
        {k: v for k, v in CALLBACK.items() if k != "satisfied"},
        {**CALLBACK, "extra": 1},
        {**CALLBACK, "reached": "yes"},
    ):
        assert (await dispatcher.post(url, json=bad)).status_code == 400
    after = (await dispatcher.get(f"/api/v1/requests/{rid}")).json()
    assert after["callbacks"] == [] and after["status"] == "feedback_given"
    # Before the caller was told there is nothing to call back about.
    resident = await elderly_resident(api)
    fresh = (await leaking_pipe(api, dispatcher, resident))["id"]
    early = await dispatcher.post(f"/api/v1/requests/{fresh}/callbacks", json=CALLBACK)
    is_problem(early, 409, "invalid_transition")


def _call(phone: str, category: str = "repair.water", address: str = "城外某路9号") -> dict:
    return {
        "channel": "phone",
        "caller_name": "孙阿姨",
        "caller_phone": phone,
        "address": address,
        "category_code": category,
        "description": "又打来了",
    }


async def test_intake_flags_a_repeat_and_a_dispatcher_merges_it(api):
    dispatcher = await api.login("dispatcher")
    first = (await dispatcher.post("/api/v1/requests", json=_call("13711112222"))).json()
    assert first["repeat_of"] is None and first["urges"] == 0
    again = (await dispatcher.post("/api/v1/requests", json=_call("13711112222"))).json()
    assert again["repeat_of"] == first["id"]
    other = await dispatcher.post("/api/v1/requests", json=_call("13711112222", "repair.heating"))
    assert other.json()["repeat_of"] is None  # another category
    stranger = await dispatcher.post("/api/v1/requests", json=_call("13799998888"))
    assert stranger.json()["repeat_of"] is None  # another phone
    # Only a dispatcher merges; never into itself; the answer is the repeat, closed.
    supervisor = await _supervisor_at(api, "D01", "chief2")
    url = f"/api/v1/requests/{again['id']}/merge"
    is_problem(await supervisor.post(url, json={"into": first["id"]}), 403, "forbidden")
    is_problem(await dispatcher.post(url, json={"into": again["id"]}), 422, "same_request")
    assert (await dispatcher.post(url, json={"into": "nope"})).status_code == 400
    merged = await dispatcher.post(url, json={"into": first["id"]})
    assert merged.status_code == 200, merged.text
    repeat = merged.json()
    assert repeat["status"] == "closed" and repeat["merged_into"] == first["id"]
    assert repeat["timeline"][-1]["action"] == "merged"
    assert repeat["timeline"][-1]["params"]["main_number"] == first["number"]
    main = (await dispatcher.get(f"/api/v1/requests/{first['id']}")).json()
    assert main["urges"] == 1 and main["timeline"][-1]["action"] == "urged"
    # Merged once is merged: again, or into it, or it as a main request, is refused.
    is_problem(await dispatcher.post(url, json={"into": first["id"]}), 409, "merged")
    third = (await dispatcher.post("/api/v1/requests", json=_call("13711112222"))).json()
    assert third["repeat_of"] == first["id"]  # the main request, never the merged repeat
    into_merged = await dispatcher.post(
        f"/api/v1/requests/{third['id']}/merge", json={"into": again["id"]}
    )
    is_problem(into_merged, 422, "merged")
    main_away = await dispatcher.post(
        f"/api/v1/requests/{first['id']}/merge", json={"into": third["id"]}
    )
    is_problem(main_away, 422, "is_main")
    # A request somebody already works is not merged.
    await dispatcher.post(
        f"/api/v1/requests/{third['id']}/dispatch", json={"department_code": "DEP01"}
    )
    water = await api.login("dept_water")
    await water.post(f"/api/v1/requests/{third['id']}/accept", json={})
    worked = await dispatcher.post(
        f"/api/v1/requests/{third['id']}/merge", json={"into": first["id"]}
    )
    is_problem(worked, 409, "invalid_transition")
    assert (await dispatcher.get(f"/api/v1/requests/{first['id']}")).json()["urges"] == 1


async def test_a_resident_reporting_again_is_told_and_follows_the_main_request(api):
    from tests.support.public import REPORT

    report = {**REPORT, "caller_phone": "13744445555", "category_code": "repair.heating"}
    first = (await api.client.post("/api/v1/public/requests", json=report)).json()
    assert first["repeat_of"] is None
    again = (await api.client.post("/api/v1/public/requests", json=report)).json()
    assert again["repeat_of"] == first["number"]
    receipt = await api.client.get(f"/public/track/{again['tracking_token']}?new=1")
    assert 'id="repeat-of"' in receipt.text and first["number"] in receipt.text
    first_receipt = await api.client.get(f"/public/track/{first['tracking_token']}?new=1")
    assert 'id="repeat-of"' not in first_receipt.text
    dispatcher = await api.login("dispatcher")
    listed = (await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json()
    ids = {r["number"]: r["id"] for r in listed}
    merged = await dispatcher.post(
        f"/api/v1/requests/{ids[again['number']]}/merge", json={"into": ids[first["number"]]}
    )
    assert merged.status_code == 200, merged.text
    shown = (await api.client.get(f"/api/v1/public/requests/{again['tracking_token']}")).json()
    assert shown["status"] == "closed" and shown["may_rate"] is False
    assert shown["main"]["number"] == first["number"]
    assert shown["main"]["status"] == "received" and shown["main"]["main"] is None
    assert all(step["note"] == "" for step in shown["main"]["timeline"])
    page = await api.client.get(f"/public/track/{again['tracking_token']}")
    assert 'id="merged-into"' in page.text and first["number"] in page.text


async def test_merges_at_once_count_every_urge_and_merge_a_repeat_once(api):
    import asyncio

    dispatcher = await api.login("dispatcher")
    main = (await dispatcher.post("/api/v1/requests", json=_call("13766667777"))).json()
    repeats = [
        (await dispatcher.post("/api/v1/requests", json=_call("13766667777"))).json()
        for _ in range(3)
    ]

    def merge(repeat):
        url = f"/api/v1/requests/{repeat['id']}/merge"
        return dispatcher.post(url, json={"into": main["id"]})

    # Three repeats into one main request at once: three urges, none lost.
    answers = await asyncio.gather(*(merge(r) for r in repeats))
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    assert (await dispatcher.get(f"/api/v1/requests/{main['id']}")).json()["urges"] == 3
    # One repeat merged twice at once: once.
    extra = (await dispatcher.post("/api/v1/requests", json=_call("13766667777"))).json()
    twice = await asyncio.gather(merge(extra), merge(extra))
    assert sorted(a.status_code for a in twice) == [200, 409]
    assert (await dispatcher.get(f"/api/v1/requests/{main['id']}")).json()["urges"] == 4
