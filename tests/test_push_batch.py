"""The push's batch, held from outside: the careful path an unforeseen failure falls back to
answers the failed change alone, in words, and keeps everything else of the batch (appends,
audit, feed, journal) exactly as if the failed change had never been sent; and the fast path
reads each table a batch names once, whatever the batch holds. Written for the surviving mutants
of `_Batch` (docs/testing.md)."""

import logging
import uuid
from contextlib import contextmanager
from datetime import UTC, timedelta

from sqlalchemy import event, select

from server.audit.tables import AuditEntry
from server.auth.tables import Device, MutationLog
from server.clock import utcnow
from server.feed import lookup
from server.feed.tables import FeedEntry
from server.sync import effects
from server.visits.tables import Checkin, Visit
from shared.mutations import VisitStart

AT = "2026-11-27T08:00:00Z"
FAILED = "The server could not apply this change. Support has been notified."
FALLBACK = "push batch failed; retrying mutation by mutation"


def checkin(resident_id: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "resident_id": resident_id,
        "at": AT,
        "seen_in_person": True,
        "wellbeing": "good",
        "notes": "",
    }


async def assigned_visits(worker) -> list[dict]:
    return [v for v in (await worker.get("/api/v1/visits")).json() if v["status"] == "assigned"]


async def residents(worker, count: int) -> list[str]:
    listed = (await worker.get("/api/v1/residents", params={"limit": count})).json()
    assert len(listed) == count
    return [r["id"] for r in listed]


def failing_start(fails_on: str, after):
    """visit.start's real effect, then `after` for the visit `fails_on` (a rule's bug)."""
    real = effects.EFFECTS[VisitStart]

    async def effect(session, actor, args, stamp):
        conflicts = await real(session, actor, args, stamp)
        if str(args.visit_id) == fails_on:
            await after(session, args)
        return conflicts

    return effect


async def feed_version(api) -> int:
    async with api.runtime.sessions() as session:
        return await session.scalar(select(FeedEntry.version).order_by(FeedEntry.version.desc()))


async def test_a_failure_on_the_careful_path_rejects_that_change_alone(api, caplog, monkeypatch):
    worker = await api.login("worker1")
    first, second = (await assigned_visits(worker))[:2]
    one, two = await residents(worker, 2)
    checkins = [checkin(one), checkin(two)]

    async def bug(_session, _args):
        raise RuntimeError("a bug in the server, after the visit was started and audited")

    monkeypatch.setitem(effects.EFFECTS, VisitStart, failing_start(second["id"], bug))
    before = await feed_version(api)
    sent_at = utcnow()
    caplog.set_level(logging.ERROR)
    answer = await worker.push(
        ("checkin.record", checkins[0]),
        ("visit.start", {"visit_id": first["id"], "at": AT}),
        ("visit.start", {"visit_id": second["id"], "at": AT}),
        ("checkin.record", checkins[1]),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "last_seq": 4,
        "results": [
            {"seq": 1, "status": "applied"},
            {"seq": 2, "status": "applied"},
            {
                "seq": 3,
                "status": "rejected",
                "error": {"code": "internal_error", "message": FAILED},
            },
            {"seq": 4, "status": "applied"},
        ],
    }
    messages = [r.getMessage() for r in caplog.records]
    assert FALLBACK in messages
    assert f"mutation 3 of device {worker.device_id} failed" in messages

    async with api.runtime.sessions() as session:
        # Both check-ins written: the one before the failure too (an append queued for commit
        # would have gone with the failed change's rollback).
        written = set(
            await session.scalars(
                select(Checkin.id).where(Checkin.id.in_([uuid.UUID(c["id"]) for c in checkins]))
            )
        )
        assert written == {uuid.UUID(c["id"]) for c in checkins}
        statuses = dict(
            (
                await session.execute(
                    select(Visit.id, Visit.status).where(
                        Visit.id.in_([uuid.UUID(first["id"]), uuid.UUID(second["id"])])
                    )
                )
            ).all()
        )
        assert statuses == {
            uuid.UUID(first["id"]): "in_progress",
            uuid.UUID(second["id"]): "assigned",
        }
        # The audit holds the start once (not once a try), and never the start rolled back.
        starts = list(
            await session.scalars(
                select(AuditEntry.record_id).where(
                    AuditEntry.action == "visit.start",
                    AuditEntry.record_id.in_([uuid.UUID(first["id"]), uuid.UUID(second["id"])]),
                )
            )
        )
        assert starts == [uuid.UUID(first["id"])]
        # The feed tells the phones of what changed, and nothing of the change undone.
        fed = set(
            await session.scalars(select(FeedEntry.record_id).where(FeedEntry.version > before))
        )
        assert uuid.UUID(first["id"]) in fed and uuid.UUID(second["id"]) not in fed
        assert {uuid.UUID(c["id"]) for c in checkins} <= fed
        # The journal: each change with its name, outcome and stamp, the failure with its
        # words and no stamp, and when it was applied.
        journal = (
            await session.execute(
                select(
                    MutationLog.seq,
                    MutationLog.name,
                    MutationLog.status,
                    MutationLog.stamp,
                    MutationLog.error_code,
                    MutationLog.error_message,
                    MutationLog.at,
                )
                .where(MutationLog.device_id == uuid.UUID(worker.device_id))
                .order_by(MutationLog.seq)
            )
        ).all()
        device = await session.get(Device, uuid.UUID(worker.device_id))
        assert device.last_seq == 4
    stamps = [f"{1_700_000_000_000 + seq:013d}:00000:test" for seq in (1, 2, 3, 4)]
    assert [row[:6] for row in journal] == [
        (1, "checkin.record", "applied", stamps[0], None, None),
        (2, "visit.start", "applied", stamps[1], None, None),
        (3, "visit.start", "rejected", "", "internal_error", FAILED),
        (4, "checkin.record", "applied", stamps[3], None, None),
    ]
    now = utcnow()
    for row in journal:
        # (SQLite gives the UTC time back without its zone)
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
        assert sent_at - timedelta(seconds=1) <= at <= now


async def test_a_text_too_long_met_on_the_careful_path_is_refused_in_words(
    api, caplog, monkeypatch
):
    worker = await api.login("worker1")
    first, second = (await assigned_visits(worker))[:2]
    (resident,) = await residents(worker, 1)
    record = checkin(resident)

    async def too_long(session, args):
        # A rule that forgot its bound: the column's own check refuses it at the flush.
        visit = await session.get(Visit, args.visit_id)
        visit.title = "很" * 201

    monkeypatch.setitem(effects.EFFECTS, VisitStart, failing_start(first["id"], too_long))
    caplog.set_level(logging.ERROR)
    answer = await worker.push(
        ("visit.start", {"visit_id": first["id"], "at": AT}),
        ("checkin.record", record),
        ("visit.start", {"visit_id": second["id"], "at": AT}),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"] == [
        {
            "seq": 1,
            "status": "rejected",
            "error": {"code": "invalid_args", "message": "title may be at most 200 characters."},
        },
        {"seq": 2, "status": "applied"},
        {"seq": 3, "status": "applied"},
    ]
    assert answer.json()["last_seq"] == 3
    # A refusal, not a failure: the fallback is logged, no change's failure is.
    messages = [r.getMessage() for r in caplog.records]
    assert FALLBACK in messages
    assert not [text for text in messages if text.startswith("mutation ")]
    async with api.runtime.sessions() as session:
        visit = await session.get(Visit, uuid.UUID(first["id"]))
        assert (visit.status, visit.title) == ("assigned", first["title"])
        assert (await session.get(Visit, uuid.UUID(second["id"]))).status == "in_progress"
        assert await session.get(Checkin, uuid.UUID(record["id"])) is not None
        journal = (
            await session.execute(
                select(
                    MutationLog.seq, MutationLog.status, MutationLog.error_code, MutationLog.stamp
                )
                .where(MutationLog.device_id == uuid.UUID(worker.device_id))
                .order_by(MutationLog.seq)
            )
        ).all()
    # The refused change is credited with no stamp: its savepoint, and what it wrote, are gone.
    assert [tuple(row) for row in journal] == [
        (1, "rejected", "invalid_args", ""),
        (2, "applied", None, f"{1_700_000_000_002:013d}:00000:test"),
        (3, "applied", None, f"{1_700_000_000_003:013d}:00000:test"),
    ]


@contextmanager
def selects_by_table(api):
    """The SELECTs the database is sent, by the table they read first."""
    seen: dict[str, int] = {}
    engine = api.runtime.engine.sync_engine

    def hook(_conn, _cursor, statement, _parameters, _context, _executemany):
        words = statement.split()
        if words[0].upper() == "SELECT" and "FROM" in words:
            table = words[words.index("FROM") + 1].strip('"')
            seen[table] = seen.get(table, 0) + 1

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hook)


async def test_a_batch_reads_each_table_it_names_once(api, caplog):
    """Three check-ins, three starts and three edits, each naming its own record, cost one
    read of the residents, one of the check-ins and one of the visits: a batch of 500 must not
    cost a query a change. Changes that name nothing readable (an unknown change, ids that are
    no UUID) are refused without upsetting the batch."""
    worker = await api.login("worker1")
    visits = (await assigned_visits(worker))[:3]
    people = await residents(worker, 6)
    batch = [("checkin.record", checkin(r)) for r in people[:3]]
    batch += [("visit.start", {"visit_id": v["id"], "at": AT}) for v in visits]
    batch += [
        ("resident.update", {"id": r, "fields": {"phone": "13800000000"}}) for r in people[3:]
    ]
    odd = [
        ("visit.teleport", {"visit_id": visits[0]["id"]}),
        ("visit.start", {"visit_id": "no", "at": AT}),
        ("visit.start", {"visit_id": 42, "at": AT}),
        ("resident.update", {"id": "no", "fields": {"phone": "13800000000"}}),
    ]
    caplog.set_level(logging.ERROR)
    with selects_by_table(api) as seen:
        answer = await worker.push(*batch, *odd)
    assert answer.status_code == 200, answer.text
    statuses = [(r["status"], (r.get("error") or {}).get("code")) for r in answer.json()["results"]]
    assert statuses == [("applied", None)] * 9 + [
        ("rejected", "unknown_mutation"),
        *[("rejected", "invalid_args")] * 3,
    ]
    assert FALLBACK not in [r.getMessage() for r in caplog.records]
    assert (seen.get("resident"), seen.get("checkin"), seen.get("visit")) == (1, 1, 1), seen


async def test_assignments_read_the_assignees_once(api, caplog):
    supervisor = await api.login("supervisor1")
    staff = (await supervisor.get("/api/v1/users")).json()
    field = {u["id"] for u in staff if u["role"] in ("worker", "mentor")}
    visits = [
        v for v in (await supervisor.get("/api/v1/visits")).json() if v["status"] == "assigned"
    ]
    # Each of three visits to someone else than its assignee, three assignees in all.
    chosen: list[tuple[dict, str]] = []
    for person in sorted(field):
        taken = {v["id"] for v, _ in chosen}
        visit = next(v for v in visits if v["assignee_id"] != person and v["id"] not in taken)
        chosen.append((visit, person))
    assert len({person for _, person in chosen}) >= 3
    caplog.set_level(logging.ERROR)
    with selects_by_table(api) as seen:
        answer = await supervisor.push(
            *[("visit.assign", {"visit_id": v["id"], "assignee_id": p}) for v, p in chosen]
        )
    assert answer.status_code == 200, answer.text
    assert {r["status"] for r in answer.json()["results"]} == {"applied"}
    assert FALLBACK not in [r.getMessage() for r in caplog.records]
    assert (seen.get("app_user"), seen.get("visit")) == (1, 1), seen


async def test_a_write_the_database_refuses_on_the_careful_path_rejects_that_change_alone(
    api, caplog, monkeypatch
):
    worker = await api.login("worker1")
    first, second = (await assigned_visits(worker))[:2]
    one, two = await residents(worker, 2)
    records = [checkin(one), checkin(two)]

    async def duplicate(session, _args):
        # A rule's bug: an append-only row written again under an id already taken.
        taken = (await session.execute(select(Checkin.__table__).limit(1))).mappings().one()
        await lookup.append(session, Checkin, dict(taken))

    monkeypatch.setitem(effects.EFFECTS, VisitStart, failing_start(second["id"], duplicate))
    caplog.set_level(logging.ERROR)
    answer = await worker.push(
        ("checkin.record", records[0]),
        ("visit.start", {"visit_id": first["id"], "at": AT}),
        ("visit.start", {"visit_id": second["id"], "at": AT}),
        ("checkin.record", records[1]),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"] == [
        {"seq": 1, "status": "applied"},
        {"seq": 2, "status": "applied"},
        {"seq": 3, "status": "rejected", "error": {"code": "internal_error", "message": FAILED}},
        {"seq": 4, "status": "applied"},
    ]
    async with api.runtime.sessions() as session:
        written = set(
            await session.scalars(
                select(Checkin.id).where(Checkin.id.in_([uuid.UUID(r["id"]) for r in records]))
            )
        )
        assert written == {uuid.UUID(r["id"]) for r in records}
        assert (await session.get(Visit, uuid.UUID(first["id"]))).status == "in_progress"
        assert (await session.get(Visit, uuid.UUID(second["id"]))).status == "assigned"
