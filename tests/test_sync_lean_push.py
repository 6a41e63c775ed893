"""The lean push (server/sync/lean_push.py, check-ins on the driver's own connection) answers
and writes what the ORM's push does: the same answers, records, mutation log, audit entries,
feed entries and device seq, for the same pushes; and whatever it cannot do, it leaves to the
ORM, which then answers as it always did."""

import logging
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from server.audit.tables import AuditEntry
from server.auth.tables import Device, MutationLog
from server.feed.tables import FeedEntry
from server.sync import lean_push, lean_writes
from server.visits.tables import Checkin

AT = "2026-11-27T08:00:00Z"


def spy_on_the_lean_path(monkeypatch) -> list[str]:
    """'lean' for each push the driver applied, 'orm' for each it handed over."""
    taken: list[str] = []
    applied = lean_push._on_the_driver

    async def watched(*args, **kwargs):
        answer = await applied(*args, **kwargs)
        taken.append("orm" if answer is None else "lean")
        return answer

    monkeypatch.setattr(lean_push, "_on_the_driver", watched)
    return taken


def checkin(resident: str, record_id: str | None = None, **more: Any) -> dict:
    return {
        "id": record_id or str(uuid.uuid4()),
        "resident_id": resident,
        "at": AT,
        "seen_in_person": True,
        "wellbeing": "good",
        "notes": "",
        **more,
    }


async def a_day_of_pushes(worker, residents: list[str], visit: dict) -> tuple[list, list[str]]:
    """Pushes of every kind a check-in meets; their answers, and the ids the check-ins had."""
    ids = [str(uuid.uuid4()) for _ in range(5)]
    place = {"lat": 31.23, "lon": 121.47, "accuracy_m": 8.0, "at": AT}
    first = [
        ("checkin.record", checkin(residents[0], ids[0])),
        ("checkin.record", checkin(visit["resident_id"], ids[1], visit_id=visit["id"])),
        (
            "checkin.record",
            checkin(
                residents[1],
                ids[2],
                wellbeing="poor",
                notes="膝盖疼",
                needs="送药上门",
                home_safety={"gas": True, "water": False},
                proof={"photos": [], "location": place},
            ),
        ),
    ]
    refused = [
        ("checkin.record", checkin(str(uuid.uuid4()))),  # no such resident
        ("checkin.record", checkin(residents[0], visit_id=visit["id"])),  # not that visit's
        ("checkin.record", checkin(residents[0], wellbeing="meh")),  # malformed
        ("checkin.record", checkin(residents[0], ids[0])),  # the same record again
        ("checkin.record", checkin(residents[1], ids[3])),
    ]
    answers = []
    for batch in (first, refused):
        seq_before = worker.seq
        answers.append(await worker.push(*batch))
        worker.seq = seq_before  # the same seqs again: a replay of the whole batch
        answers.append(await worker.push(*batch))
    worker.seq += 1  # a clock stamp no server takes
    bad_clock = {
        "seq": worker.seq,
        "name": "checkin.record",
        "args": checkin(residents[0], ids[4]),
        "hlc": "not a clock",
    }
    body = {"protocol": 1, "device_id": worker.device_id, "mutations": [bad_clock]}
    answers.append(await worker.post("/api/v1/sync/push", json=body))
    answers.append(await worker.push())  # nothing new: the device's contact only
    return answers, ids


async def written(api, device_id: str, ids: list[str]) -> dict[str, Any]:
    """What a day of pushes left in the database, each id named by its place in `ids`."""
    names = {uuid.UUID(value): f"record{n}" for n, value in enumerate(ids)}
    names[uuid.UUID(device_id)] = "device"
    device = uuid.UUID(device_id)

    def plain(value: Any) -> Any:
        return names.get(value, value) if isinstance(value, uuid.UUID) else value

    async with api.runtime.sessions() as session:
        checkins = (await session.scalars(select(Checkin).where(Checkin.device_id == device))).all()
        log = (
            await session.scalars(
                select(MutationLog).where(MutationLog.device_id == device).order_by(MutationLog.seq)
            )
        ).all()
        audit = (
            await session.scalars(select(AuditEntry).where(AuditEntry.device_id == device))
        ).all()
        feed = (
            await session.scalars(
                select(FeedEntry)
                .where(FeedEntry.record_id.in_(list(names)))
                .order_by(FeedEntry.version, FeedEntry.ord, FeedEntry.key)
            )
        ).all()
        last_seq = await session.scalar(select(Device.last_seq).where(Device.id == device))
    versions = sorted({entry.version for entry in feed})
    return {
        "checkins": sorted(
            (
                {k: plain(v) for k, v in row.model_dump().items() if k != "created_at"}
                for row in checkins
            ),
            key=lambda row: row["id"],
        ),
        "log": [
            (row.seq, row.name, row.status, row.error_code, row.error_message, bool(row.stamp))
            for row in log
        ],
        "audit": sorted(
            (row.action, row.entity, plain(row.record_id), row.community_id, row.detail)
            for row in audit
        ),
        # One commit a push that wrote: the versions' order, not their numbers.
        "feed": [
            (versions.index(e.version), e.ord, e.key, e.entity, plain(e.record_id)) for e in feed
        ],
        "last_seq": last_seq,
    }


def answered(answers, ids: list[str]) -> list:
    names = {value: f"record{n}" for n, value in enumerate(ids)}
    said = []
    for answer in answers:
        body = answer.json()
        said.append((answer.status_code, {k: v for k, v in body.items()}))
    text = repr(said)
    for value, name in names.items():
        text = text.replace(value, name)
    return text


async def test_the_lean_push_answers_and_writes_what_the_orm_push_does(api, monkeypatch):
    taken = spy_on_the_lean_path(monkeypatch)
    first = await api.login("worker1")
    listed = await first.get("/api/v1/residents", params={"limit": 2})
    residents = [r["id"] for r in listed.json()]
    visits = (await first.get("/api/v1/visits")).json()
    visit = next(
        v for v in visits if v["status"] == "assigned" and v["resident_id"] != residents[0]
    )

    answers, ids = await a_day_of_pushes(first, residents, visit)
    lean = (answered(answers, ids), await written(api, first.device_id, ids))
    assert taken == ["lean"] * len(answers), taken

    # The same pushes from the same worker's second phone, with the lean path turned off.
    monkeypatch.setattr(lean_push, "LEAN_MUTATIONS", frozenset())
    taken.clear()
    second = await api.login("worker1")
    answers, ids = await a_day_of_pushes(second, residents, visit)
    orm = (answered(answers, ids), await written(api, second.device_id, ids))
    assert taken == ["lean"]  # the empty push alone: it carries no mutation at all

    assert lean[0] == orm[0]  # every answer, word for word
    for part in ("checkins", "log", "audit", "feed", "last_seq"):
        assert lean[1][part] == orm[1][part], part
    # And what the day was: three check-ins written and a fourth (refused ones left nothing).
    assert len(lean[1]["checkins"]) == 4
    assert [status for _, _, status, *_ in lean[1]["log"]].count("applied") == 5


async def test_a_row_the_prefetch_did_not_read_hands_the_push_to_the_orm(api, monkeypatch, caplog):
    taken = spy_on_the_lean_path(monkeypatch)

    async def nothing(*_args):
        return None

    monkeypatch.setattr(lean_push, "_prefetch", nothing)  # every find then asks the session
    caplog.set_level(logging.INFO, logger="doorstep.sync")
    worker = await api.login("worker1")
    resident = (await worker.get("/api/v1/residents", params={"limit": 1})).json()[0]["id"]
    answer = await worker.push(("checkin.record", checkin(resident)))
    assert answer.status_code == 200
    assert answer.json() == {"last_seq": 1, "results": [{"seq": 1, "status": "applied"}]}
    assert taken == ["orm"]
    assert "a push needed the ORM after all; applying it there" in caplog.messages
    written_ = await written(api, worker.device_id, [])
    assert len(written_["checkins"]) == 1 and written_["last_seq"] == 1


async def test_a_record_written_meanwhile_under_the_same_id_is_refused_as_on_the_orm(
    api, monkeypatch, caplog
):
    """Another worker's check-in under the same id, unseen by the prefetch (as if it had
    committed between the prefetch and the insert): the database refuses the insert, the lean
    transaction rolls back, and the ORM answers as it answers such a push."""
    taken = spy_on_the_lean_path(monkeypatch)
    other = await api.login("worker2")
    theirs = (await other.get("/api/v1/residents", params={"limit": 1})).json()[0]["id"]
    record_id = str(uuid.uuid4())
    assert (await other.push(("checkin.record", checkin(theirs, record_id)))).status_code == 200

    applied = lean_push._prefetch

    async def blind_to_it(write, staged, mutations):
        await applied(write, staged, mutations)
        known = staged.info["prefetched_rows"]
        for key in [key for key in known if key[0] is Checkin]:
            del known[key]
            staged.info["absent_ids"].setdefault(Checkin, set()).add(key[1])

    monkeypatch.setattr(lean_push, "_prefetch", blind_to_it)
    caplog.set_level(logging.WARNING, logger="doorstep.sync")
    worker = await api.login("worker1")
    mine = (await worker.get("/api/v1/residents", params={"limit": 1})).json()[0]["id"]
    answer = await worker.push(("checkin.record", checkin(mine, record_id)))
    assert answer.status_code == 200
    (result,) = answer.json()["results"]
    assert result["status"] == "rejected" and result["error"]["code"] == "duplicate_id"
    assert taken == ["lean", "orm"]  # worker2's own push, then this one handed over
    assert "the lean push failed; applying it on the ORM" in caplog.messages
    assert (await written(api, worker.device_id, []))["checkins"] == []


@pytest.mark.parametrize("body", [b"{not json", b'{"protocol": 1}'])
async def test_the_standing_is_checked_before_the_body(api, body):
    worker = await api.login("worker1")
    async with api.runtime.sessions() as session, session.begin():
        device = await session.get(Device, uuid.UUID(worker.device_id))
        device.revoked_at = device.created_at
    answer = await worker.post(
        "/api/v1/sync/push", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 403, answer.text
    anonymous = await api.client.post("/api/v1/sync/push", content=body)
    assert anonymous.status_code == 401


async def test_a_push_naming_a_photo_or_of_another_kind_goes_the_orms_way(api, monkeypatch):
    taken = spy_on_the_lean_path(monkeypatch)
    worker = await api.login("worker1")
    resident = (await worker.get("/api/v1/residents", params={"limit": 1})).json()[0]["id"]
    photo = "ab" * 32
    named = await worker.push(("checkin.record", checkin(resident, proof={"photos": [photo]})))
    assert named.status_code == 409 and named.json()["missing"] == [photo]
    visits = (await worker.get("/api/v1/visits")).json()
    visit = next(v for v in visits if v["status"] == "assigned")
    worker.seq = 0
    started = await worker.push(
        ("checkin.record", checkin(resident)),
        ("visit.start", {"visit_id": visit["id"], "at": AT}),
    )
    assert [r["status"] for r in started.json()["results"]] == ["applied", "applied"]
    assert taken == []


@pytest.mark.parametrize("count", [1, lean_writes.MAX_ROWS + 8])
async def test_few_or_many_check_ins_are_written_as_on_the_orm(api, monkeypatch, count):
    """On PostgreSQL a few rows a table go in one statement and more in one executemany a
    table; either way (and on SQLite) the rows are the ORM's."""
    statements: list[int] = []
    run = lean_writes.Batch.run

    async def counted(self, connection, groups, *rest):
        statements.append(max(len(rows) for _, rows in groups))
        return await run(self, connection, groups, *rest)

    monkeypatch.setattr(lean_writes.Batch, "run", counted)
    taken = spy_on_the_lean_path(monkeypatch)
    results = []
    for lean_path in (True, False):
        if not lean_path:
            monkeypatch.setattr(lean_push, "LEAN_MUTATIONS", frozenset())
        worker = await api.login("worker1")
        listed = await worker.get("/api/v1/residents", params={"limit": 3})
        residents = [r["id"] for r in listed.json()]
        ids = [str(uuid.uuid4()) for _ in range(count)]
        batch = [
            ("checkin.record", checkin(residents[n % 3], record_id, notes=f"第{n}次"))
            for n, record_id in enumerate(ids)
        ]
        answer = await worker.push(*batch)
        assert [r["status"] for r in answer.json()["results"]] == ["applied"] * count
        results.append(await written(api, worker.device_id, ids))
    assert taken == ["lean"]
    assert results[0] == results[1]
    assert len(results[0]["checkins"]) == count and results[0]["last_seq"] == count
    postgresql = api.runtime.engine.dialect.name == "postgresql"
    one_statement = postgresql and count <= lean_writes.MAX_ROWS
    assert statements == ([count] if one_statement else [])
