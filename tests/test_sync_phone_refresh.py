"""What a sync fetches besides the feed: the conflict log and the timelines of the phone's
requests, only after a sync that changed something, the timelines in one call. A sync that
finds nothing new is one request."""

import re
import time
import uuid

import pytest

from mobile.core.sync import Offline
from tests.support.phones import make_phone

ONE_REQUEST = re.compile(r"/api/v1/requests/[0-9a-f-]{36}")


def calls(flaky) -> list[str]:
    """The paths the phone asks for from now on (the transport's hook records, never fails)."""
    seen: list[str] = []
    flaky.flaky.fail_when = lambda request: seen.append(request.url.path)
    return seen


def test_a_sync_that_finds_nothing_new_is_one_request(tmp_path, flaky):
    phone = make_phone(tmp_path, flaky, "worker1")
    first = calls(flaky)
    phone.sync()
    assert first.count("/api/v1/conflicts") == 1
    assert first.count("/api/v1/requests/timelines") == 1  # every request's, in one call
    assert not [p for p in first if ONE_REQUEST.fullmatch(p)]  # none one at a time
    again = calls(flaky)
    phone.sync()
    phone.sync()
    assert again == ["/api/v1/sync/pull", "/api/v1/sync/pull"]


def test_the_timelines_kept_are_the_servers(tmp_path, flaky):
    phone = make_phone(tmp_path, flaky, "worker1")
    phone.sync()
    me = phone.store.secret("user")["id"]
    mine = [r for r in phone.store.all("request") if r.get("assignee_id") == me]
    assert mine
    headers = {"authorization": f"Bearer {phone.store.secret('tokens')['access']}"}
    for request in mine:
        detail = flaky.get(f"/api/v1/requests/{request['id']}", headers=headers).json()
        kept = phone.store.secret(f"timeline/{request['id']}")
        assert kept == {"rev": detail["rev"], "timeline": detail["timeline"]}


def test_a_value_lost_meanwhile_is_fetched_even_when_the_fetch_was_cut(tmp_path, flaky):
    worker = make_phone(tmp_path, flaky, "worker1")
    other = make_phone(tmp_path, flaky, "worker1")  # the same person's second phone
    worker.sync()
    other.sync()
    resident = sorted(worker.store.all("resident"), key=lambda r: r["id"])[0]
    worker.store.record("resident.update", {"id": resident["id"], "fields": {"phone": "139001"}})
    worker.sync()
    # A supervisor who had not seen the worker's value replaces it: the worker's value lost.
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    supervisor.sync()
    time.sleep(0.01)
    supervisor.store.record(
        "resident.update",
        {"id": resident["id"], "fields": {"phone": "139002"}, "base": {"phone": "original"}},
    )
    supervisor.sync()
    # The worker's sync pulls the change, then loses its link before the conflict log.
    flaky.flaky.fail_when = lambda request: request.url.path == "/api/v1/conflicts"
    with pytest.raises(Offline):
        worker.sync()
    flaky.flaky.fail_when = None
    assert worker.store.conflicts() == []
    assert worker.sync().pulled == 0  # nothing new to pull, and still the log is fetched
    assert [(c["field"], c["yours"], c["kept"]) for c in worker.store.conflicts()] == [
        ("phone", "139001", "139002")
    ]


async def test_timelines_answer_only_what_the_caller_reads(api):
    worker = await api.login("worker1")
    district = await api.login("dispatcher")
    mine = [r["id"] for r in (await worker.get("/api/v1/requests")).json()]
    every = [r["id"] for r in (await district.get("/api/v1/requests")).json()]
    theirs = [i for i in every if i not in mine]
    assert len(mine) >= 2 and theirs
    unknown = str(uuid.uuid4())
    asked = [theirs[0], mine[1], unknown, mine[0], mine[1]]
    response = await worker.get("/api/v1/requests/timelines", params={"id": asked})
    assert response.status_code == 200, response.text
    found = response.json()
    assert [t["id"] for t in found] == [mine[1], mine[0]]  # in the order asked, once each
    for shown in found:
        detail = (await worker.get(f"/api/v1/requests/{shown['id']}")).json()
        assert shown == {"id": detail["id"], "rev": detail["rev"], "timeline": detail["timeline"]}


@pytest.mark.parametrize(
    "params",
    [{}, {"id": "not-a-uuid"}, {"id": [str(uuid.uuid4()) for _ in range(101)]}],
    ids=["none", "not an id", "more than 100"],
)
async def test_timelines_refuse_a_bad_question_in_words(api, params):
    worker = await api.login("worker1")
    response = await worker.get("/api/v1/requests/timelines", params=params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    anonymous = await api.client.get("/api/v1/requests/timelines", params={"id": str(uuid.uuid4())})
    assert anonymous.status_code == 401
