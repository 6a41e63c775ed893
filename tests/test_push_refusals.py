"""Each refusal of the push in one batch, each with its reason: an unknown change, a role that
may not send it, malformed arguments, no valid clock stamp, a service outside the worker's
community. None of them blocks the rest, and a replay answers each with its first reason."""

import uuid

from sqlalchemy import select

from server.auth.tables import MutationLog

STAMP = "1764288000000:00000:test"


async def test_every_refusal_comes_back_with_its_reason(api):
    worker = await api.login("worker1")
    dispatcher = await api.login("dispatcher")
    mine = {r["id"] for r in (await worker.get("/api/v1/residents", params={"limit": 1000})).json()}
    everyone = (await dispatcher.get("/api/v1/residents", params={"limit": 1000})).json()
    elsewhere = next(r["id"] for r in everyone if r["id"] not in mine)
    visit = next(
        v for v in (await worker.get("/api/v1/visits")).json() if v["status"] == "assigned"
    )
    service = {
        "id": str(uuid.uuid4()),
        "resident_id": elsewhere,
        "at": "2026-11-27T08:00:00Z",
        "category_code": "household.cleaning",
        "minutes": 30,
        "description": "打扫",
    }
    batch = [
        {"seq": 1, "name": "visit.teleport", "args": {}, "hlc": STAMP},
        {"seq": 2, "name": "approval.decide", "args": {}, "hlc": STAMP},
        {"seq": 3, "name": "visit.start", "args": {"visit_id": "no"}, "hlc": STAMP},
        {
            "seq": 4,
            "name": "visit.start",
            "args": {"visit_id": visit["id"], "at": "2026-11-27T08:00:00Z"},
            "hlc": "yesterday",
        },
        {"seq": 5, "name": "service.record", "args": service, "hlc": STAMP},
        {
            "seq": 6,
            "name": "visit.start",
            "args": {"visit_id": visit["id"], "at": "2026-11-27T08:00:00Z"},
            "hlc": STAMP,
        },
    ]
    body = {"protocol": 1, "device_id": worker.device_id, "mutations": batch}
    answer = await worker.post("/api/v1/sync/push", json=body)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    errors = [(r["seq"], r["status"], (r.get("error") or {}).get("code")) for r in results]
    assert errors == [
        (1, "rejected", "unknown_mutation"),
        (2, "rejected", "forbidden"),
        (3, "rejected", "invalid_args"),
        (4, "rejected", "invalid_hlc"),
        (5, "rejected", "not_found"),
        (6, "applied", None),
    ]
    messages = [(r.get("error") or {}).get("message") for r in results]
    assert messages[0] == "This server does not know the change 'visit.teleport'."
    assert messages[1] == "Your role may not make this change."
    assert messages[2].startswith("The change is malformed: ")
    assert messages[3] == "The change carries no valid clock stamp."
    assert answer.json()["last_seq"] == 6
    # Nothing of the refused service was written, in any community.
    records, _ = await dispatcher.pull_all()
    assert ("service_record", service["id"]) not in records
    assert records[("visit", visit["id"])]["status"] == "in_progress"

    # The journal: a change refused before its stamp was read is credited with none; one that
    # reached its rule, with the stamp it came with (not ahead of the server's clock).
    async with api.runtime.sessions() as session:
        rows = await session.execute(
            select(MutationLog.seq, MutationLog.status, MutationLog.stamp)
            .where(MutationLog.device_id == uuid.UUID(worker.device_id))
            .order_by(MutationLog.seq)
        )
        journal = [tuple(row) for row in rows]
    assert journal == [
        (1, "rejected", ""),
        (2, "rejected", ""),
        (3, "rejected", ""),
        (4, "rejected", ""),
        (5, "rejected", STAMP),
        (6, "applied", STAMP),
    ]

    # The same batch again (the answer was lost): each keeps its first answer.
    again = (await worker.post("/api/v1/sync/push", json=body)).json()
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 6
    assert [r.get("error") for r in again["results"]] == [r.get("error") for r in results]
