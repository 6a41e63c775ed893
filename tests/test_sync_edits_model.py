"""No edit lost without a trace: a model of three real phone cores against a real server.

Hypothesis drives three phones of one community (two workers and their supervisor, each a
`mobile.core.phone.Phone` over its own flaky transport) through random offline edits of every
editable field of a resident, check-ins, services, visit moves and requests raised at the
door, synced in random orders, with lost requests, lost answers and server restarts between.
After every sync a phone that has nothing pending holds exactly what the server shows it;
at the end, after the network heals:

- every phone and the server agree;
- every value that lost, or was overwritten by an edit whose `base` had not seen it, is in
  the server's conflict log and in the conflict list of the phone whose value it was;
- every check-in, service and request exists exactly once;
- every visit move made from a status the server no longer had was refused, and the phone
  that made it shows the refusal; every move the server took started where the sender saw it;
- a request raised at the door was received when it was raised.

In CI: 100 cases of 12 steps on each database (two minutes or so on two cores). One app
serves every case (a restart stops and starts its runtime over the same database); the long
form is `DOORSTEP_EDITS_EXAMPLES=2000 DOORSTEP_EDITS_STEPS=30` (see docs/sync.md).
"""

import asyncio
import json
import os
import shutil
import uuid
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from mobile.core.phone import Phone
from server.app import create_app
from tests.support import databases
from tests.support.phones import FAST_KDF, NO_WAIT, FlakyTransport
from tests.support.server import PASSWORD, make_settings

EXAMPLES = int(os.environ.get("DOORSTEP_EDITS_EXAMPLES", "100"))
STEPS = int(os.environ.get("DOORSTEP_EDITS_STEPS", "12"))
PEOPLE = ("worker1", "worker2", "supervisor1")
BASE_URL = "http://testserver.local"
# Every field a phone may edit, and values to set it to.
FIELD_VALUES = {
    "phone": ["13900000001", "13800000002", "13700000003"],
    "address": ["幸福路1号", "和平街2号", "光明巷3号"],
    "notes": ["独居", "有子女", "血压偏高"],
    "living_alone": [True, False],
}


def rows(url: str, sql: str) -> list[tuple]:
    async def go() -> list[tuple]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return [tuple(r) for r in (await connection.execute(text(sql))).all()]
        finally:
            await engine.dispose()

    return asyncio.run(go())


def as_id(value) -> str:
    return str(uuid.UUID(str(value)))


def instant(value) -> datetime:
    """A time from the API or a raw row (SQLite gives it without its zone: UTC)."""
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Server:
    """The real app on one database, restartable: a restart shuts the app down and starts it
    again over the same data. Everything a process holds (engines, caches, the clock, the
    keys) lives in the runtime that start-up builds from the app's settings and shut-down
    drops. The app object holds nothing else, so one app serves every case, each case giving
    it its own database (building an app took most of a case's time)."""

    app = None

    def __init__(self, url: str) -> None:
        self.url = url
        if Server.app is None:
            Server.app = create_app(make_settings(url))
        Server.app.state.settings = make_settings(url)
        self.client: TestClient | None = None
        self.start()

    def start(self) -> None:
        self.client = TestClient(Server.app)
        self.client.__enter__()

    def stop(self) -> None:
        if self.client is not None:
            self.client.__exit__(None, None, None)
            self.client = None


class EditsModel(RuleBasedStateMachine):
    url: str = ""
    folder = None

    @initialize()
    def set_up(self) -> None:
        self.server = Server(self.url)
        self.phones: dict[str, Phone] = {}
        self.transports: dict[str, FlakyTransport] = {}
        for name in PEOPLE:
            transport = FlakyTransport(self.server.client._transport)
            self.transports[name] = transport
            phone = Phone(
                self.folder / f"{name}-{uuid.uuid4().hex[:8]}",
                http_factory=lambda _url, t=transport: httpx.Client(transport=t, base_url=BASE_URL),
                kdf_cost=FAST_KDF,
                retry=NO_WAIT,
            )
            phone.sign_in(BASE_URL, name, PASSWORD, "2580")
            phone.sync()
            self.phones[name] = phone
        worker = self.phones["worker1"]
        # A few residents that the workers' visits are for, and those visits.
        self.visits = [
            v["id"]
            for name in ("worker1", "worker2")
            for v in self.phones[name].visits(status="open")[:2]
        ]
        by_visit = {v["id"]: v["resident_id"] for v in worker.store.all("visit")}
        by_visit |= {v["id"]: v["resident_id"] for v in self.phones["worker2"].store.all("visit")}
        self.residents = sorted({by_visit[v] for v in self.visits})
        self.initial = {r: dict(worker.resident(r)) for r in self.residents}
        self.start_status = {v: self.visit_anywhere(v)["status"] for v in self.visits}
        self.sent: dict[tuple[str, int], dict] = {}  # (who, seq) -> the arguments sent
        self.edits: list[dict] = []  # each edit: who, seq, resident, field, value, seen
        self.appends: dict[str, str] = {}  # id -> table
        self.requests: dict[str, str] = {}  # id -> the phone's `at`

    # -- what people do ------------------------------------------------------------------

    @rule(
        who=st.sampled_from(PEOPLE),
        n=st.integers(0, 3),
        field=st.sampled_from(sorted(FIELD_VALUES)),
        pick=st.integers(0, 2),
    )
    def edit(self, who, n, field, pick) -> None:
        phone = self.phones[who]
        resident_id = self.residents[n % len(self.residents)]
        values = FIELD_VALUES[field]
        value = values[pick % len(values)]
        seen = (phone.resident(resident_id) or {}).get(field)
        seq = phone.update_resident(resident_id, **{field: value})
        if seq is None:
            assert seen == value  # nothing changed: nothing to send
            return
        sent = next(e for e in phone.store.outbox(("pending",)) if e.seq == seq).args
        # The phone core built `base` from what the phone showed, not the screen.
        assert sent["base"] == {field: seen}
        self.sent[(who, seq)] = sent
        self.edits.append(
            {"who": who, "seq": seq, "resident": resident_id, "field": field, "value": value}
            | {"base": seen}
        )

    @rule(who=st.sampled_from(PEOPLE[:2]), n=st.integers(0, 3), kind=st.sampled_from(["c", "s"]))
    def append(self, who, n, kind) -> None:
        phone = self.phones[who]
        resident_id = self.residents[n % len(self.residents)]
        if kind == "c":
            phone.record_checkin(resident_id, None, True, "fair", "模型")
            table = "checkin"
        else:
            phone.record_service(resident_id, None, "household.cleaning", 30, "打扫")
            table = "service_record"
        self.appends[phone.store.outbox(("pending",))[-1].args["id"]] = table

    @rule(who=st.sampled_from(PEOPLE[:2]), n=st.integers(0, 3))
    def raise_request(self, who, n) -> None:
        phone = self.phones[who]
        phone.raise_request(self.residents[n % len(self.residents)], "elderly.care", "需要照护")
        args = phone.store.outbox(("pending",))[-1].args
        assert args["at"]  # stamped when raised, at the door
        self.requests[args["id"]] = args["at"]

    @rule(n=st.integers(0, 3), action=st.sampled_from(["start", "complete"]))
    def move(self, n, action) -> None:
        visit_id = self.visits[n % len(self.visits)]
        for phone in self.phones.values():
            visit = phone.visit(visit_id)
            if visit is None or visit.get("assignee_id") != phone.user["id"]:
                continue
            seq = None
            if action == "start" and phone.can(visit, "start"):
                seq = phone.start_visit(visit_id)
            elif action == "complete" and phone.can(visit, "complete"):
                seq = phone.complete_visit(visit_id, "模型完成")
            if seq is not None:
                self.keep_sent(phone, seq)

    @rule(n=st.integers(0, 3), approve=st.booleans())
    def decide(self, n, approve) -> None:
        phone = self.phones["supervisor1"]
        visit = phone.visit(self.visits[n % len(self.visits)])
        if visit is not None and phone.can(visit, "approve"):
            self.keep_sent(phone, phone.decide(visit["id"], approve, "" if approve else "请补充"))

    def keep_sent(self, phone: Phone, seq: int) -> None:
        who = next(name for name, p in self.phones.items() if p is phone)
        self.sent[(who, seq)] = next(e for e in phone.store.outbox() if e.seq == seq).args

    def visit_anywhere(self, visit_id: str) -> dict:
        return next(p.visit(visit_id) for p in self.phones.values() if p.visit(visit_id))

    # -- the network and the server ------------------------------------------------------

    @rule(who=st.sampled_from(PEOPLE), loss=st.sampled_from(["none", "none", "request", "answer"]))
    def sync(self, who, loss) -> None:
        phone, transport = self.phones[who], self.transports[who]
        transport.drop_requests = int(loss == "request")
        transport.drop_responses = int(loss == "answer")
        phone.sync()
        transport.drop_requests = transport.drop_responses = 0
        if phone.state.problem is None and phone.store.pending_count() == 0:
            self.agrees(who)

    @precondition(lambda self: self.server.client is not None)
    @rule()
    def restart(self) -> None:
        self.server.stop()
        self.server.start()
        for transport in self.transports.values():
            transport.inner = self.server.client._transport

    # -- checking ------------------------------------------------------------------------

    def server_view(self, who: str) -> dict:
        phone = self.phones[who]
        token = phone.store.secret("tokens")["access"]
        records, cursor = {}, None
        while True:
            page = self.transports[who].inner.handle_request(
                httpx.Request(
                    "GET",
                    f"{BASE_URL}/api/v1/sync/pull",
                    params={"limit": 5000, **({"cursor": cursor} if cursor else {})},
                    headers={"authorization": f"Bearer {token}"},
                )
            )
            page.read()
            body = page.json()
            for change in body["changes"]:
                records[(change["entity"], change["id"])] = change.get("data")
            cursor = body["cursor"]
            if not body["has_more"]:
                return {k: v for k, v in records.items() if v is not None}

    def agrees(self, who: str) -> None:
        phone = self.phones[who]
        view = self.server_view(who)
        assert phone.store.server_copy() == view, who
        local = {(e, r["id"]): r for e in {e for e, _i in view} for r in phone.store.all(e)}
        assert local == view, who

    def teardown(self) -> None:
        try:
            if getattr(self, "phones", None) and self.server.client is not None:
                self.heal_and_check()
        finally:
            self.server.stop()
            for phone in getattr(self, "phones", {}).values():
                phone.store.close()

    def heal_and_check(self) -> None:
        for _ in range(2):
            for who in PEOPLE:
                self.phones[who].sync()
        for who in PEOPLE:
            phone = self.phones[who]
            phone.sync()
            assert phone.state.problem is None, (who, phone.state.problem)
            assert phone.store.pending_count() == 0, who
            self.agrees(who)
        devices = {as_id(p.store.device_id): who for who, p in self.phones.items()}
        log = sorted(
            (instant(at), as_id(device), seq, name, status, stamp, code)
            for device, seq, name, status, stamp, code, at in rows(
                self.url,
                "SELECT device_id, seq, name, status, stamp, error_code, at FROM mutation_log",
            )
            if as_id(device) in devices
        )
        self.check_conflicts(log, devices)
        self.check_appends()
        self.check_moves(log, devices)

    def check_conflicts(self, log, devices) -> None:
        """Replay the applied edits in the order the server took them: a value is lost when
        an edit's stamp is older than the field's (the edit's value), or when a later edit
        replaces a value other than the one its sender saw (the replaced value)."""
        made = {(e["who"], e["seq"]): e for e in self.edits}
        state = {
            (r, f): (self.initial[r].get(f), "", None) for r in self.residents for f in FIELD_VALUES
        }
        expected: list[tuple[str, str, object, str | None]] = []
        for _at, device, seq, name, status, stamp, _code in log:
            edit = made.get((devices[device], seq))
            if name != "resident.update" or status != "applied" or edit is None:
                continue
            key = (edit["resident"], edit["field"])
            value, clock, writer = state[key]
            seen = edit["base"]
            if stamp > clock:
                if seen != value and edit["value"] != value:
                    expected.append((*key, value, writer))
                state[key] = (edit["value"], stamp, edit["who"])
            elif edit["value"] != value:
                expected.append((*key, edit["value"], edit["who"]))
        logged = [
            (as_id(r), f, lost) for r, f, lost in self.conflict_rows() if as_id(r) in self.residents
        ]
        assert Counter(map(repr, logged)) == Counter(repr(e[:3]) for e in expected)
        for resident_id, field, lost, who in expected:
            if who is None:
                continue  # the seed's value: no phone's
            shown = [(c["id"], c["field"], c["yours"]) for c in self.phones[who].conflicts()]
            assert (resident_id, field, lost) in shown, (who, resident_id, field, lost)
            assert all(c["resident_name"] for c in self.phones[who].conflicts())

    def conflict_rows(self) -> list[tuple]:
        found = rows(
            self.url,
            "SELECT record_id, field, CAST(lost_value AS TEXT) FROM conflict_entry"
            " WHERE entity = 'resident'",
        )
        # Both databases give the stored JSON as its text: "13900000001" stays a string.
        return [(r, f, json.loads(v)) for r, f, v in found]

    def check_appends(self) -> None:
        for table in ("checkin", "service_record"):
            ids = Counter(as_id(r[0]) for r in rows(self.url, f"SELECT id FROM {table}"))
            for record_id, kind in self.appends.items():
                if kind == table:
                    assert ids[record_id] == 1, (table, record_id)
        received = {
            as_id(i): instant(at)
            for i, at in rows(self.url, "SELECT id, received_at FROM hotline_request")
        }
        for request_id, at in self.requests.items():
            assert request_id in received
            # Its time limit starts at the door (the phone's clock is right here).
            assert abs((received[request_id] - instant(at)).total_seconds()) < 0.002

    def check_moves(self, log, devices) -> None:
        """Replay the visits' statuses through the server's order of moves: a move it took
        started from the status its sender saw; one that came from a status the server no
        longer had was refused and is on the sender's phone."""
        moves = ("visit.start", "visit.complete", "approval.decide")
        status = dict(self.start_status)
        for _at, device, seq, name, result, _stamp, code in log:
            if name not in moves:
                continue
            who = devices[device]
            args = self.sent[(who, seq)]
            visit_id = str(args["visit_id"])
            current = status[visit_id]
            shown = {r["seq"]: r for r in self.phones[who].rejections()}
            if result == "applied":
                assert args["base_status"] == current, (who, name, args, current)
                status[visit_id] = _after(name, args)
            else:
                assert seq in shown, (who, name, code)
                assert shown[seq]["resident_name"], shown[seq]
                if args["base_status"] != current:
                    assert code in ("stale_state", "invalid_transition", "visit_closed"), code


def _after(name: str, args: dict) -> str:
    if name == "visit.start":
        return "in_progress"
    if name == "visit.complete":
        return "completed"
    return "approved" if args["decision"] == "approve" else "returned"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_no_edit_is_lost_without_a_trace(backend, request, tmp_path_factory):
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
    else:
        template = request.getfixturevalue("postgres_template")

    class Case(EditsModel):
        def __init__(self) -> None:
            super().__init__()
            self.folder = tmp_path_factory.mktemp("edits")
            if backend == "sqlite":
                target = self.folder / "server.db"
                shutil.copyfile(template, target)
                self.url = f"sqlite+aiosqlite:///{target}"
                self.drop = None
            else:
                name = f"doorstep_e_{uuid.uuid4().hex[:12]}"
                asyncio.run(databases.pg_clone(template, name))
                self.url = databases.pg_url(name)
                self.drop = name

        def teardown(self) -> None:
            try:
                super().teardown()
            finally:
                if self.drop:
                    databases.pg_drop_later(self.drop)

    run_state_machine_as_test(
        Case,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
