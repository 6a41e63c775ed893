"""Push semantics: skewed clocks, conflicts reported to the loser, one bad mutation never blocks."""

import time
import uuid

import pytest

from server.sync import effects
from shared.mutations import VisitStart
from tests.support.phones import make_phone

DAY_MS = 24 * 3600 * 1000


def resident_of(phone) -> dict:
    return sorted(phone.store.all("resident"), key=lambda r: r["id"])[0]


def test_a_phone_a_day_fast_does_not_win_later_edits(tmp_path, flaky):
    fast = make_phone(tmp_path, flaky, "worker1", skew_ms=DAY_MS)
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    fast.sync()
    supervisor.sync()
    resident = resident_of(fast)
    # The fast phone has never synced since its clock jumped: its stamp says tomorrow.
    fast.store.set_meta("clock_offset_ms", 0)
    fast.store._clock = None
    fast.store.set_meta("hlc_last", None)
    fast.store.record("resident.update", {"id": resident["id"], "fields": {"phone": "FAST"}})
    assert int(fast.store.outbox()[0].hlc[:13]) > time.time() * 1000 + DAY_MS / 2
    fast.sync()
    time.sleep(0.01)
    supervisor.store.record("resident.update", {"id": resident["id"], "fields": {"phone": "LATER"}})
    report = supervisor.sync()
    assert report.conflicts == []
    fast.sync()
    assert fast.store.get("resident", resident["id"])["phone"] == "LATER"


def test_a_phone_a_day_slow_still_wins_with_its_later_edit(tmp_path, flaky):
    slow = make_phone(tmp_path, flaky, "worker1", skew_ms=-DAY_MS)
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    supervisor.sync()
    resident = resident_of(supervisor)
    supervisor.store.record(
        "resident.update", {"id": resident["id"], "fields": {"notes": "supervisor, earlier"}}
    )
    supervisor.sync()
    slow.sync()  # sees the supervisor's edit and learns how far off its clock is
    time.sleep(0.01)
    slow.store.record(
        "resident.update", {"id": resident["id"], "fields": {"notes": "worker, later"}}
    )
    assert slow.sync().conflicts == []
    supervisor.sync()
    assert supervisor.store.get("resident", resident["id"])["notes"] == "worker, later"


def test_concurrent_edits_merge_by_field_and_the_loser_is_told(tmp_path, flaky):
    worker = make_phone(tmp_path, flaky, "worker1")
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    worker.sync()
    supervisor.sync()
    resident = resident_of(worker)
    # Both offline: the worker edits first, the supervisor later; the supervisor syncs first.
    worker.store.record(
        "resident.update", {"id": resident["id"], "fields": {"phone": "13800000001", "notes": "w"}}
    )
    time.sleep(0.05)
    supervisor.store.record(
        "resident.update", {"id": resident["id"], "fields": {"phone": "13800000002"}}
    )
    supervisor.sync()
    report = worker.sync()
    assert report.conflicts == [
        {
            "entity": "resident",
            "id": resident["id"],
            "field": "phone",
            "yours": "13800000001",
            "kept": "13800000002",
        }
    ]
    merged = worker.store.get("resident", resident["id"])
    assert (merged["phone"], merged["notes"]) == ("13800000002", "w")
    assert worker.store.conflicts()[0]["field"] == "phone"
    # The conflict log is readable by the worker and by their supervisor.
    for phone in (worker, supervisor):
        tokens = phone.store.secret("tokens")
        listed = flaky.get(
            "/api/v1/conflicts", headers={"authorization": f"Bearer {tokens['access']}"}
        ).json()
        assert [(c["field"], c["lost_value"], c["kept_value"]) for c in listed] == [
            ("phone", "13800000001", "13800000002")
        ]


async def test_one_broken_mutation_never_blocks_the_outbox(api, monkeypatch):
    worker = await api.login("worker1")
    visits = (await worker.get("/api/v1/visits")).json()
    resident = visits[0]["resident_id"]

    async def broken(*args):
        raise RuntimeError("a bug in the server")

    monkeypatch.setitem(effects.EFFECTS, VisitStart, broken)
    checkin = str(uuid.uuid4())
    response = await worker.push(
        (
            "checkin.record",
            {
                "id": checkin,
                "resident_id": resident,
                "at": "2026-11-27T08:00:00Z",
                "seen_in_person": True,
                "wellbeing": "good",
                "notes": "",
            },
        ),
        ("visit.start", {"visit_id": visits[0]["id"], "at": "2026-11-27T08:00:00Z"}),
        (
            "checkin.record",
            {
                "id": str(uuid.uuid4()),
                "resident_id": resident,
                "at": "2026-11-27T08:05:00Z",
                "seen_in_person": True,
                "wellbeing": "fair",
                "notes": "",
            },
        ),
    )
    assert response.status_code == 200, response.text
    statuses = [
        (r["status"], (r.get("error") or {}).get("code")) for r in response.json()["results"]
    ]
    assert statuses == [("applied", None), ("rejected", "internal_error"), ("applied", None)]
    monkeypatch.undo()
    assert response.json()["last_seq"] == 3
    records, _ = await (await api.login("supervisor1")).pull_all()
    assert ("checkin", checkin) in records


@pytest.mark.parametrize("seqs", [[2, 3], [1, 2, 4]])
async def test_seq_rules(api, seqs):
    worker = await api.login("worker1")
    body = {
        "protocol": 1,
        "device_id": worker.device_id,
        "mutations": [
            {"seq": s, "name": "visit.start", "args": {}, "hlc": "1764288000000:00000:a"}
            for s in seqs
        ],
    }
    response = await worker.post("/api/v1/sync/push", json=body)
    assert response.status_code in (409, 422)
    if response.status_code == 409:
        assert response.json()["expected"] == 1
