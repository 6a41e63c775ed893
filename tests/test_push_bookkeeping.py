"""The push's bookkeeping, each answer held whole (status, code and words): a push in another
device's name, a gap in the seqs, a replay, the fast path a normal batch takes and the careful
one an unforeseen failure falls back to, the device's last contact, a rule's refusal in words.
Written for the push path's surviving mutants (docs/testing.md)."""

import logging
import uuid
from datetime import timedelta

from sqlalchemy import select

from server.auth.tables import Device, MutationLog
from server.clock import utcnow
from server.sync import effects
from shared.mutations import VisitStart


async def assigned_visit(worker) -> dict:
    return next(v for v in (await worker.get("/api/v1/visits")).json() if v["status"] == "assigned")


def mutation(seq: int, name: str, args: dict) -> dict:
    return {"seq": seq, "name": name, "args": args, "hlc": f"{1_700_000_000_000 + seq}:00000:t"}


async def test_a_push_in_another_devices_name_is_forbidden(api):
    worker = await api.login("worker1")
    body = {"protocol": 1, "device_id": str(uuid.uuid4()), "mutations": []}
    answer = await worker.post("/api/v1/sync/push", json=body)
    assert answer.status_code == 403
    problem = answer.json()
    assert (problem["code"], problem["detail"]) == (
        "forbidden",
        "The push names another device than the token's.",
    )


async def test_a_gap_names_the_seq_the_server_expects(api):
    worker = await api.login("worker1")
    visit = await assigned_visit(worker)
    start = {"visit_id": visit["id"], "at": "2026-11-27T08:00:00Z"}

    async def push(*seqs: int):
        body = {
            "protocol": 1,
            "device_id": worker.device_id,
            "mutations": [mutation(seq, "visit.start", start) for seq in seqs],
        }
        return await worker.post("/api/v1/sync/push", json=body)

    for applied, ahead in ((0, 2), (1, 3)):
        if applied:
            assert (await push(1)).status_code == 200
        answer = await push(ahead)
        assert answer.status_code == 409
        problem = answer.json()
        assert (problem["code"], problem["detail"], problem["expected"]) == (
            "seq_gap",
            f"Expected seq {applied + 1} next.",
            applied + 1,
        )


async def test_a_replay_answers_each_seq_as_a_duplicate_with_its_seq(api):
    worker = await api.login("worker1")
    resident = (await worker.get("/api/v1/residents", params={"limit": 1})).json()[0]["id"]
    checkin = {
        "id": str(uuid.uuid4()),
        "resident_id": resident,
        "at": "2026-11-27T08:00:00Z",
        "seen_in_person": True,
        "wellbeing": "good",
        "notes": "",
    }
    body = {
        "protocol": 1,
        "device_id": worker.device_id,
        "mutations": [mutation(1, "checkin.record", checkin)],
    }
    first = await worker.post("/api/v1/sync/push", json=body)
    assert [(r["seq"], r["status"]) for r in first.json()["results"]] == [(1, "applied")]
    again = await worker.post("/api/v1/sync/push", json=body)
    assert again.status_code == 200
    assert [(r["seq"], r["status"]) for r in again.json()["results"]] == [(1, "duplicate")]
    assert again.json()["last_seq"] == 1


async def test_a_normal_batch_takes_the_fast_path_and_notes_the_devices_contact(api, caplog):
    worker = await api.login("worker1")
    long_ago = utcnow() - timedelta(days=3)
    async with api.runtime.sessions() as session, session.begin():
        device = await session.get(Device, uuid.UUID(worker.device_id))
        device.last_seen_at = long_ago
    resident = (await worker.get("/api/v1/residents", params={"limit": 1})).json()[0]["id"]
    visit = await assigned_visit(worker)
    caplog.set_level(logging.WARNING)
    answer = await worker.push(
        (
            "checkin.record",
            {
                "id": str(uuid.uuid4()),
                "resident_id": resident,
                "at": "2026-11-27T08:00:00Z",
                "seen_in_person": True,
                "wellbeing": "good",
                "notes": "",
            },
        ),
        ("visit.start", {"visit_id": visit["id"], "at": "2026-11-27T08:00:00Z"}),
    )
    assert [r["status"] for r in answer.json()["results"]] == ["applied", "applied"]
    assert not [r for r in caplog.records if "push batch failed" in r.getMessage()]
    async with api.runtime.sessions() as session:
        seen = await session.scalar(
            select(Device.last_seen_at).where(Device.id == uuid.UUID(worker.device_id))
        )
    assert seen is not None and seen.replace(tzinfo=long_ago.tzinfo) > long_ago + timedelta(days=2)


async def test_an_unforeseen_failure_is_logged_and_the_batch_redone_one_by_one(
    api, caplog, monkeypatch
):
    worker = await api.login("worker1")
    visit = await assigned_visit(worker)

    async def broken(*args):
        raise RuntimeError("a bug in the server")

    monkeypatch.setitem(effects.EFFECTS, VisitStart, broken)
    caplog.set_level(logging.ERROR)
    answer = await worker.push(
        ("visit.start", {"visit_id": visit["id"], "at": "2026-11-27T08:00:00Z"})
    )
    assert [r["status"] for r in answer.json()["results"]] == ["rejected"]
    messages = [r.getMessage() for r in caplog.records]
    assert "push batch failed; retrying mutation by mutation" in messages


async def test_a_rules_refusal_comes_back_in_words(api):
    worker = await api.login("worker1")
    visit = await assigned_visit(worker)
    answer = await worker.push(
        ("visit.complete", {"visit_id": visit["id"], "at": "2026-11-27T08:00:00Z", "summary": "x"})
    )
    (result,) = answer.json()["results"]
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "invalid_transition"
    assert isinstance(result["error"]["message"], str) and len(result["error"]["message"]) > 10


async def test_a_replay_ending_in_a_refusal_answers_it_with_its_reason(api):
    worker = await api.login("worker1")
    visit = await assigned_visit(worker)
    body = {
        "protocol": 1,
        "device_id": worker.device_id,
        "mutations": [
            mutation(1, "visit.start", {"visit_id": visit["id"], "at": "2026-11-27T08:00:00Z"}),
            mutation(2, "visit.teleport", {"visit_id": visit["id"]}),
        ],
    }
    first = await worker.post("/api/v1/sync/push", json=body)
    assert first.status_code == 200
    again = await worker.post("/api/v1/sync/push", json=body)
    assert again.status_code == 200
    assert again.json() == {
        "last_seq": 2,
        "results": [
            {"seq": 1, "status": "duplicate"},
            {
                "seq": 2,
                "status": "duplicate",
                "error": {
                    "code": "unknown_mutation",
                    "message": "This server does not know the change 'visit.teleport'.",
                },
            },
        ],
    }


async def test_a_replay_reads_its_own_devices_refusals_only(api):
    visit_id = (await assigned_visit(await api.login("worker1")))["id"]
    other = await api.login("worker1")  # the same worker's second phone
    refused = {
        "protocol": 1,
        "device_id": other.device_id,
        "mutations": [mutation(1, "visit.teleport", {"visit_id": visit_id})],
    }
    assert (await other.post("/api/v1/sync/push", json=refused)).status_code == 200
    worker = await api.login("worker1")
    body = {
        "protocol": 1,
        "device_id": worker.device_id,
        "mutations": [
            mutation(1, "visit.start", {"visit_id": visit_id, "at": "2026-11-27T08:00:00Z"})
        ],
    }
    first = await worker.post("/api/v1/sync/push", json=body)
    assert first.json()["results"] == [{"seq": 1, "status": "applied"}]
    again = await worker.post("/api/v1/sync/push", json=body)
    assert again.json()["results"] == [{"seq": 1, "status": "duplicate"}]


async def test_a_change_with_an_overlong_name_is_refused_and_journaled_cut_to_its_column(api):
    worker = await api.login("worker1")
    name = "visit." + "x" * 200
    answer = await worker.push((name, {}))
    assert answer.status_code == 200, answer.text
    (result,) = answer.json()["results"]
    assert (result["status"], result["error"]["code"]) == ("rejected", "unknown_mutation")
    async with api.runtime.sessions() as session:
        journaled = await session.scalar(
            select(MutationLog.name).where(MutationLog.device_id == uuid.UUID(worker.device_id))
        )
    assert journaled == name[:60]
