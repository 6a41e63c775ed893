"""Field records go through one helper (`server/fieldrecords`): every table built on the
common columns has its kind, its mutation and its effect, and every kind answers a record sent
again the same way (stored once, audited once) and refuses another person's record under its id.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

from server.audit.tables import AuditEntry
from server.blobs.proof import PROOF_MUTATIONS
from server.fieldrecords.columns import FieldRecord
from server.fieldrecords.service import FieldRecordKind, kinds
from server.migrations.tables import import_all
from server.sync.effects import effect_for

AT = datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _tables(base: type) -> set[type]:
    found = set()
    for table in base.__subclasses__():
        if hasattr(table, "__table__"):
            found.add(table)
        found |= _tables(table)
    return found


def test_every_field_record_table_has_its_kind_mutation_and_effect():
    from shared.mutations import REGISTRY

    import_all()  # every table (the push's effects, imported above, declare every kind)
    by_table: dict[type, FieldRecordKind] = {kind.table: kind for kind in kinds()}
    without = sorted(t.__tablename__ for t in _tables(FieldRecord) - set(by_table))
    assert not without, f"field record tables without a FieldRecordKind: {without}"
    assert set(by_table) <= _tables(FieldRecord)
    for table, kind in by_table.items():
        spec = REGISTRY[kind.action]
        fields = set(spec.args.__struct_fields__)
        assert spec.record == kind.entity, kind.action
        assert {"id", "resident_id", "at"} <= fields, kind.action
        assert kind.author in table.__table__.columns, kind.action
        assert kind.takes_proof == ("proof" in fields) == (kind.action in PROOF_MUTATIONS)
        assert effect_for(kind.action) is not None, kind.action


def _records(resident_id: str) -> dict[str, tuple[str, dict]]:
    common = {"resident_id": resident_id, "at": AT}
    return {
        "checkin": (
            "checkin.record",
            {**common, "seen_in_person": True, "wellbeing": "good", "notes": "精神不错"},
        ),
        "service_record": (
            "service.record",
            {**common, "category_code": "household.cleaning", "minutes": 30, "description": "打扫"},
        ),
        "assistance": (
            "assistance.log",
            {**common, "kind": "慰问金", "amount_cny": 200.0, "description": "节日慰问"},
        ),
    }


async def _stored(api, table: type, record_id: str) -> tuple[int, int]:
    """How many rows and audit entries the record has."""
    async with api.runtime.sessions() as session:
        rows = await session.scalar(
            select(func.count()).select_from(table).where(table.id == uuid.UUID(record_id))
        )
        audited = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.record_id == uuid.UUID(record_id))
        )
    return rows, audited


async def test_each_kind_is_stored_once_and_keeps_its_id_from_others(api):
    admin, mentor = await api.login("admin"), await api.login("mentor1")
    created = await admin.post(
        "/api/v1/users",
        json={
            "username": "mentor.two",
            "password": "demo-pass-2026",  # as the demo accounts: one login helper
            "display_name": "党员 钱二",
            "role": "mentor",
            "org_unit_code": "D01-S01-C01",
        },
    )
    assert created.status_code == 201, created.text
    family = (await mentor.get("/api/v1/residents")).json()[0]["id"]
    makers = {
        "checkin": ("worker1", "worker2"),
        "service_record": ("worker1", "worker2"),
        "assistance": ("mentor1", "mentor.two"),
    }
    tables = {kind.entity: kind.table for kind in kinds()}
    for entity, (name, args) in _records(family).items():
        author = await api.login(makers[entity][0])
        if entity != "assistance":
            resident = (await author.get("/api/v1/residents")).json()[0]["id"]
            args = {**args, "resident_id": resident}
        args = {**args, "id": str(uuid.uuid4())}
        first = (await author.push((name, args))).json()["results"][0]
        assert first["status"] == "applied", (entity, first)
        # The same record from the author's other phone: applied, and still one record.
        other_phone = await api.login(makers[entity][0])
        again = (await other_phone.push((name, args))).json()["results"][0]
        assert again["status"] == "applied", (entity, again)
        assert await _stored(api, tables[entity], args["id"]) == (1, 1), entity
        someone_else = await api.login(makers[entity][1])
        taken = (await someone_else.push((name, args))).json()["results"][0]
        assert taken["status"] == "rejected", (entity, taken)
        assert taken["error"]["code"] == "duplicate_id", (entity, taken)
        assert await _stored(api, tables[entity], args["id"]) == (1, 1), entity
