"""The phone core against the real server over loopback HTTP: each sync property, one by one."""

import sqlite3
import uuid

import httpx
import pytest

from mobile.core.store import Locked
from mobile.core.sync import DeviceRevoked, SyncError, UpdateRequired
from tests.support.phones import make_phone


def now_iso() -> str:
    return "2026-11-27T09:30:00Z"


def server_view(http: httpx.Client, phone) -> dict:
    """What the server says the phone's user holds, pulled fresh by a new device."""
    records, cursor = {}, None
    tokens = phone.store.secret("tokens")
    while True:
        response = http.get(
            "/api/v1/sync/pull",
            params={"limit": 5000, **({"cursor": cursor} if cursor else {})},
            headers={"authorization": f"Bearer {tokens['access']}"},
        )
        page = response.json()
        for change in page["changes"]:
            key = (change["entity"], change["id"])
            records[key] = change.get("data")
        cursor = page["cursor"]
        if not page["has_more"]:
            return {k: v for k, v in records.items() if v is not None}


def visits_of(phone, status: str | None = None) -> list[dict]:
    return [v for v in phone.store.all("visit") if status is None or v["status"] == status]


def test_initial_sync_holds_exactly_the_workers_scope(tmp_path, flaky):
    phone = make_phone(tmp_path, flaky, "worker1")
    seen = []
    report = phone.sync(progress=lambda phase, done, total: seen.append((phase, done, total)))
    assert report.pulled > 60 and seen and seen[-1][0] == "pull"
    assert phone.store.server_copy() == server_view(flaky, phone)
    user = phone.store.secret("user")
    residents = phone.store.all("resident")
    assert len(residents) == 60
    assert {r["community_id"] for r in residents} == {user["org_unit"]["id"]}
    visits = visits_of(phone)
    assert len([v for v in visits if v["status"] == "assigned"]) >= 5
    assert {v["assignee_id"] for v in visits} == {user["id"]}


def test_a_retried_push_takes_effect_once(tmp_path, flaky):
    phone = make_phone(tmp_path, flaky, "worker1")
    phone.sync()
    resident = phone.store.all("resident")[0]
    checkin_id = str(uuid.uuid4())
    phone.store.record(
        "checkin.record",
        {
            "id": checkin_id,
            "resident_id": resident["id"],
            "at": now_iso(),
            "seen_in_person": True,
            "wellbeing": "good",
            "notes": "血压正常",
        },
    )
    flaky.flaky.drop_responses = 1  # the server commits, the phone never hears back
    phone.sync()
    assert phone.store.pending_count() == 0
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    supervisor.sync()
    checkins = [c for c in supervisor.store.all("checkin") if c["id"] == checkin_id]
    assert len(checkins) == 1
    # The same seq once more, as a replay: answered duplicate, applied no second time.
    tokens = phone.store.secret("tokens")
    replay = flaky.post(
        "/api/v1/sync/push",
        headers={"authorization": f"Bearer {tokens['access']}"},
        json={
            "protocol": 1,
            "device_id": phone.store.device_id,
            "mutations": [
                {
                    "seq": 1,
                    "name": "checkin.record",
                    "args": {
                        "id": str(uuid.uuid4()),
                        "resident_id": resident["id"],
                        "at": now_iso(),
                        "seen_in_person": True,
                        "wellbeing": "good",
                        "notes": "",
                    },
                    "hlc": "1764288000000:00000:replay",
                }
            ],
        },
    )
    assert replay.json()["results"][0]["status"] == "duplicate"
    supervisor.sync()
    assert len(supervisor.store.all("checkin")) == 1


def test_unpushed_edits_survive_a_pull(tmp_path, flaky):
    phone = make_phone(tmp_path, flaky, "worker1")
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    phone.sync()
    supervisor.sync()
    resident = phone.store.all("resident")[0]
    phone.store.record(
        "resident.update", {"id": resident["id"], "fields": {"phone": "13900000001"}}
    )
    supervisor.store.record(
        "resident.update", {"id": resident["id"], "fields": {"notes": "女儿每周来探望"}}
    )
    supervisor.sync()
    # Pull only: the phone's edit is not pushed yet, and must not be overwritten.
    phone.pull(report=__import__("mobile.core.sync", fromlist=["SyncReport"]).SyncReport())
    mine = phone.store.get("resident", resident["id"])
    assert mine["phone"] == "13900000001"
    assert mine["notes"] == "女儿每周来探望"
    phone.sync()
    supervisor.sync()
    merged = supervisor.store.get("resident", resident["id"])
    assert (merged["phone"], merged["notes"]) == ("13900000001", "女儿每周来探望")


def test_stale_state_changes_are_rejected_with_reasons_and_kept(tmp_path, flaky):
    worker = make_phone(tmp_path, flaky, "worker1")
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    worker.sync()
    visit = visits_of(worker, "assigned")[0]
    supervisor.sync()
    supervisor.store.record("visit.cancel", {"visit_id": visit["id"], "reason": "老人已住院"})
    supervisor.sync()
    # Offline, the worker starts and completes the visit that was cancelled meanwhile.
    worker.store.record("visit.start", {"visit_id": visit["id"], "at": now_iso()})
    worker.store.record(
        "visit.complete", {"visit_id": visit["id"], "at": now_iso(), "summary": "一切正常"}
    )
    report = worker.sync()
    assert [r["error"]["code"] for r in report.rejected] == ["visit_closed", "visit_closed"]
    assert all("cancelled" in r["error"]["message"] for r in report.rejected)
    rejected = worker.store.outbox(("rejected",))
    assert [e.name for e in rejected] == ["visit.start", "visit.complete"]
    assert worker.store.pending_count() == 0
    # The cancelled visit has left the worker's phone.
    assert worker.store.get("visit", visit["id"]) is None
    worker.sync()
    assert worker.store.pending_count() == 0  # rejected mutations are not retried


def test_a_reassignment_or_cancel_of_a_visit_started_meanwhile_is_refused(tmp_path, flaky):
    """The supervisor saw the visit waiting; the worker started it before the supervisor's
    phone synced. Moving it from under the worker would lose the visit under way: refused."""
    worker = make_phone(tmp_path, flaky, "worker1")
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    worker.sync()
    supervisor.sync()
    first, second = visits_of(worker, "assigned")[:2]
    assignee = supervisor.store.get("visit", first["id"])["assignee_id"]
    # Offline, the supervisor reassigns one and cancels the other, as it saw them (assigned).
    supervisor.store.record("visit.assign", {"visit_id": first["id"], "assignee_id": assignee})
    supervisor.store.record("visit.cancel", {"visit_id": second["id"], "reason": "重复安排"})
    sent = [e.args["base_status"] for e in supervisor.store.outbox(("pending",))]
    assert sent == ["assigned", "assigned"]  # what the phone saw, filled in by its core
    for visit in (first, second):
        worker.store.record("visit.start", {"visit_id": visit["id"], "at": now_iso()})
    worker.sync()
    report = supervisor.sync()
    assert [r["error"]["code"] for r in report.rejected] == ["stale_state", "stale_state"]
    supervisor.sync()
    for visit in (first, second):
        assert supervisor.store.get("visit", visit["id"])["status"] == "in_progress"
    # Seen as it now is, the same moves are taken.
    supervisor.store.record("visit.cancel", {"visit_id": second["id"], "reason": "重复安排"})
    assert supervisor.sync().rejected == []
    assert supervisor.store.get("visit", second["id"])["status"] == "cancelled"


def test_supervisor_decision_is_not_undone_by_an_old_edit(tmp_path, flaky):
    worker = make_phone(tmp_path, flaky, "worker1")
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    worker.sync()
    visit = visits_of(worker, "assigned")[0]
    worker.store.record("visit.start", {"visit_id": visit["id"], "at": now_iso()})
    worker.store.record(
        "visit.complete", {"visit_id": visit["id"], "at": now_iso(), "summary": "已完成探访"}
    )
    worker.sync()
    supervisor.sync()
    supervisor.store.record("approval.decide", {"visit_id": visit["id"], "decision": "approve"})
    supervisor.sync()
    worker.store.record("visit.start", {"visit_id": visit["id"], "at": now_iso()})
    report = worker.sync()
    assert report.rejected and report.rejected[0]["error"]["code"] == "visit_closed"
    assert worker.store.get("visit", visit["id"])["status"] == "approved"


def test_send_back_reaches_the_worker_with_reason(tmp_path, flaky):
    worker = make_phone(tmp_path, flaky, "worker1")
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    worker.sync()
    visit = visits_of(worker, "assigned")[0]
    worker.store.record("visit.start", {"visit_id": visit["id"], "at": now_iso()})
    worker.store.record(
        "visit.complete", {"visit_id": visit["id"], "at": now_iso(), "summary": "走访"}
    )
    worker.sync()
    supervisor.sync()
    supervisor.store.record(
        "approval.decide",
        {"visit_id": visit["id"], "decision": "reject", "reason": "请补充老人用药情况"},
    )
    assert supervisor.sync().rejected == []
    worker.sync()
    back = worker.store.get("visit", visit["id"])
    assert back["status"] == "returned" and back["return_reason"] == "请补充老人用药情况"
    worker.store.record("visit.start", {"visit_id": visit["id"], "at": now_iso()})
    worker.store.record(
        "visit.complete",
        {"visit_id": visit["id"], "at": now_iso(), "summary": "已补充：每日服用降压药"},
    )
    worker.sync()
    supervisor.sync()
    supervisor.store.record("approval.decide", {"visit_id": visit["id"], "decision": "approve"})
    supervisor.sync()
    worker.sync()
    assert worker.store.get("visit", visit["id"])["status"] == "approved"


def test_reassignment_moves_the_visit_between_phones(tmp_path, flaky):
    worker1 = make_phone(tmp_path, flaky, "worker1")
    worker2 = make_phone(tmp_path, flaky, "worker2")
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    for phone in (worker1, worker2, supervisor):
        phone.sync()
    visit = visits_of(worker1, "assigned")[0]
    assert worker2.store.get("visit", visit["id"]) is None
    supervisor.store.record(
        "visit.assign", {"visit_id": visit["id"], "assignee_id": worker2.store.secret("user")["id"]}
    )
    supervisor.sync()
    worker1.sync()
    worker2.sync()
    assert worker1.store.get("visit", visit["id"]) is None
    assert (
        worker2.store.get("visit", visit["id"])["assignee_id"] == worker2.store.secret("user")["id"]
    )
    # worker1, offline and unaware, completes it: refused, it is someone else's now.
    worker1.store.set_meta("cursor", worker1.store.meta("cursor"))
    seq = worker1.store.record("visit.start", {"visit_id": visit["id"], "at": now_iso()})
    report = worker1.sync()
    assert report.rejected[0]["seq"] == seq
    assert report.rejected[0]["error"]["code"] == "not_assignee"


def test_worker3_pushing_into_another_community_is_rejected(tmp_path, flaky):
    worker1 = make_phone(tmp_path, flaky, "worker1")
    worker1.sync()
    resident = worker1.store.all("resident")[0]
    worker3 = make_phone(tmp_path, flaky, "worker3")
    worker3.sync()
    assert worker3.store.get("resident", resident["id"]) is None
    worker3.store.record(
        "checkin.record",
        {
            "id": str(uuid.uuid4()),
            "resident_id": resident["id"],
            "at": now_iso(),
            "seen_in_person": False,
            "wellbeing": "fair",
            "notes": "伪造",
        },
    )
    report = worker3.sync()
    assert report.rejected and report.rejected[0]["error"]["code"] in ("not_found", "out_of_scope")


def test_a_revoked_phone_wipes_itself(tmp_path, flaky):
    worker = make_phone(tmp_path, flaky, "worker1")
    worker.sync()
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    tokens = supervisor.store.secret("tokens")
    revoke = flaky.post(
        f"/api/v1/devices/{worker.store.device_id}/revoke",
        headers={"authorization": f"Bearer {tokens['access']}"},
    )
    assert revoke.status_code == 200
    with pytest.raises(DeviceRevoked):
        worker.sync()
    assert not worker.store.is_set_up
    with pytest.raises(Locked):
        worker.store.all("resident")
    raw = worker.store.path.read_bytes()
    assert b"resident" not in raw.replace(b"CREATE TABLE", b"")


def test_no_name_address_or_phone_in_the_raw_file_or_wal(tmp_path, flaky):
    phone = make_phone(tmp_path, flaky, "worker1")
    phone.sync()
    resident = phone.store.all("resident")[0]
    phone.store.record(
        "resident.update", {"id": resident["id"], "fields": {"notes": "独居，钥匙放在邻居家"}}
    )
    raw = b""
    for suffix in ("", "-wal"):
        path = phone.store.path.with_name(phone.store.path.name + suffix)
        if path.exists():
            raw += path.read_bytes()
    assert len(raw) > 10_000
    for secret in (resident["name"], resident["address"], resident["phone"], "钥匙放在邻居家"):
        assert secret.encode() not in raw, secret
    # A copied file opens as SQLite, but without the PIN its rows are sealed blobs.
    copy = tmp_path / "copy.db"
    copy.write_bytes(phone.store.path.read_bytes())
    wal = phone.store.path.with_name(phone.store.path.name + "-wal")
    if wal.exists():
        copy.with_name("copy.db-wal").write_bytes(wal.read_bytes())
    thief = sqlite3.connect(copy)
    rows = thief.execute("SELECT data FROM base LIMIT 5").fetchall()
    thief.close()
    assert rows and all(resident["name"].encode() not in r[0] for r in rows)


def test_old_protocol_gets_please_update(tmp_path, flaky, monkeypatch):
    phone = make_phone(tmp_path, flaky, "worker1")
    phone.store.record("visit.start", {"visit_id": str(uuid.uuid4()), "at": now_iso()})
    monkeypatch.setattr("mobile.core.sync.PROTOCOL_VERSION", 0)
    with pytest.raises(UpdateRequired):
        phone.sync()
    assert phone.store.pending_count() == 1


def test_an_interrupted_initial_sync_resumes_where_it_stopped(tmp_path, flaky):
    phone = make_phone(tmp_path, flaky, "supervisor1")
    phone.page_size = 20
    pulls = []

    def cut_after_three_pages(request):
        if request.url.path.endswith("/pull"):
            pulls.append(request.url.params.get("cursor"))
            return len(pulls) > 3
        return False

    flaky.flaky.fail_when = cut_after_three_pages
    with pytest.raises(SyncError):
        phone.sync()
    held = len(phone.store.server_copy())
    assert held >= 60
    flaky.flaky.fail_when = None
    pulls.clear()
    flaky.flaky.fail_when = lambda request: (
        (request.url.path.endswith("/pull") and pulls.append(request.url.params.get("cursor")))
        and False
    )
    report = phone.sync()
    assert pulls[0] is not None  # resumed from the stored cursor, not from the start
    assert report.pulled < len(phone.store.server_copy())
    assert phone.store.server_copy() == server_view(flaky, phone)
