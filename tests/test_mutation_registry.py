"""The mutation registry: each mutation declared once with every part, and the parts agree.

Parts: the argument schema, the roles that may send it, the phone's optimistic effect (all in
`shared/mutations/`), the server's effect (the domain's `effects.py`), and its line in the docs.
"""

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.sync import effects
from shared import mutations as m
from shared.enums import Role
from shared.mutations.base import Args, declare
from shared.permissions import may_send
from tests.support.phones import make_phone

ROOT = Path(__file__).resolve().parent.parent


def test_every_registered_mutation_has_all_its_parts():
    assert effects.missing_parts(m.REGISTRY, effects.EFFECTS) == []
    assert len(m.REGISTRY) >= 10


class Orphan(Args, kw_only=True):
    visit_id: uuid.UUID


def test_a_mutation_added_without_a_server_effect_is_caught():
    spec = declare(
        "visit.orphan", Orphan, {Role.WORKER}, lambda *_: [], only_when="-", effect="a test orphan"
    )
    registry = {**m.REGISTRY, spec.name: spec}
    assert effects.missing_parts(registry, effects.EFFECTS) == ["visit.orphan: no server effect"]


def test_a_server_effect_without_a_declaration_is_caught():
    async def effect(*_):
        return []

    problems = effects.missing_parts(m.REGISTRY, {**effects.EFFECTS, Orphan: effect})
    assert problems == ["Orphan: a server effect for an undeclared mutation"]


def test_a_mutation_without_a_sender_cannot_be_declared():
    with pytest.raises(ValueError, match="names no sender"):
        declare(
            "visit.nobody", Orphan, set(), lambda *_: [], only_when="-", effect="nobody may send it"
        )


def test_a_mutation_declared_twice_is_refused():
    twice = [declare("a.b", Orphan, {Role.WORKER}, lambda *_: [], only_when="-", effect="x")] * 2
    with pytest.raises(ValueError, match="declared twice"):
        m._gather(twice)


def test_the_app_refuses_to_start_with_an_incomplete_registry(monkeypatch, settings):
    from server.app import create_app

    spec = declare(
        "visit.orphan", Orphan, {Role.WORKER}, lambda *_: [], only_when="-", effect="a test orphan"
    )
    monkeypatch.setitem(m.REGISTRY, spec.name, spec)
    with pytest.raises(RuntimeError, match="visit.orphan: no server effect"):
        create_app(settings)


def test_the_docs_show_the_registry_as_it_is():
    docs = (ROOT / "docs" / "sync.md").read_text()
    generated = docs.split("<!-- mutations: generated -->\n")[1].split("<!-- end mutations -->")[0]
    assert generated == m.docs_table(), "run `python -m shared.mutations --write docs/sync.md`"


def test_the_phone_builds_mutations_through_the_shared_structs():
    source = (ROOT / "mobile" / "core" / "phone.py").read_text()
    for name in m.REGISTRY:
        assert f'"{name}"' not in source, f"phone.py writes {name} by hand"


@pytest.mark.parametrize("role", list(Role))
def test_who_may_send_follows_the_registry(role):
    for name, spec in m.REGISTRY.items():
        assert may_send(role, name) == (role in spec.senders)
    assert not may_send(role, "no.such")


def test_encode_round_trips_through_parse():
    args = m.VisitComplete(visit_id=uuid.uuid4(), at=datetime.now(UTC), summary="好")
    name, wire = m.encode(args)
    assert name == "visit.complete" and m.parse_args(name, wire) == args


def _same(optimistic: dict, server: dict) -> None:
    """The phone's guess holds no field the server's record lacks, and agrees where it has one
    (times compared as instants)."""
    assert set(optimistic) <= set(server), set(optimistic) - set(server)
    for key, value in optimistic.items():
        if key in ("at", "started_at", "completed_at") and value and server[key]:
            parse = datetime.fromisoformat
            assert parse(value.replace("Z", "+00:00")) == parse(server[key].replace("Z", "+00:00"))
        else:
            assert value == server[key], key


def test_optimistic_records_have_the_servers_shape(tmp_path, flaky):
    worker = make_phone(tmp_path, flaky, "worker1")
    worker.sync()
    resident = worker.store.all("resident")[0]["id"]
    visit = next(v for v in worker.store.all("visit") if v["status"] == "assigned")
    now = datetime.now(UTC)
    made = {
        ("checkin", str(checkin := uuid.uuid4())): m.CheckinRecord(
            id=checkin,
            resident_id=uuid.UUID(resident),
            at=now,
            seen_in_person=True,
            wellbeing="good",
            notes="血压正常",
        ),
        ("service_record", str(service := uuid.uuid4())): m.ServiceRecord(
            id=service,
            resident_id=uuid.UUID(resident),
            category_code="elderly.care",
            at=now,
            minutes=20,
            description="送餐",
        ),
        ("visit", visit["id"]): m.VisitStart(visit_id=uuid.UUID(visit["id"]), at=now),
    }
    before = {key: worker.store.get(*key) or {} for key in made}
    for args in made.values():
        worker.store.make(args)
    # What the mutation wrote on the phone (for a visit: the fields its move changed).
    guesses = {
        key: {k: v for k, v in worker.store.get(*key).items() if before[key].get(k) != v}
        for key in made
    }
    assert guesses[("visit", visit["id"])].keys() == {"status", "started_at"}
    report = worker.sync()
    assert not report.rejected, report.rejected
    for key, guess in guesses.items():
        _same(guess, worker.store.get(*key))

    mentor = make_phone(tmp_path, flaky, "mentor1")
    mentor.sync()
    family = mentor.store.all("resident")[0]["id"]
    log = m.AssistanceLog(
        id=uuid.uuid4(), resident_id=uuid.UUID(family), at=now, kind="慰问金", description="送米"
    )
    mentor.store.make(log)
    guess = mentor.store.get("assistance", str(log.id))
    assert not mentor.sync().rejected
    _same(guess, mentor.store.get("assistance", str(log.id)))
