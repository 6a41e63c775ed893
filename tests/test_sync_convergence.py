"""Convergence under chaos, with Hypothesis.

Three to five phones make random offline mutations; pushes and pulls interleave at random;
requests and answers are lost at random (before and after the server commits); clocks are
skewed by up to a day either way. At the end every phone equals the server's view of its scope,
no acknowledged write is lost, and nothing is applied twice.
"""

import os
import shutil
import sqlite3
import uuid
from contextlib import ExitStack

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from mobile.core.crypto import KdfCost
from mobile.core.store import LocalStore
from mobile.core.sync import Retry, SyncClient, SyncError
from server.app import create_app
from shared.hlc import wall_millis
from tests.support.phones import FlakyTransport
from tests.support.server import PASSWORD, make_settings

EXAMPLES = int(
    os.environ.get(
        "DOORSTEP_CONVERGENCE_EXAMPLES", "120" if os.environ.get("CI") == "true" else "30"
    )
)
DAY_MS = 24 * 3600 * 1000
PEOPLE = ["worker1", "supervisor1", "worker2", "mentor1", "worker3"]
AT = "2026-11-27T10:00:00Z"


class Phone:
    def __init__(self, folder, inner, username):
        self.username = username
        self.skew = 0
        self.transport = FlakyTransport(inner)
        self.http = httpx.Client(transport=self.transport, base_url="http://testserver.local")
        self.store = LocalStore(
            folder / f"{username}.db",
            kdf_cost=KdfCost(n=1024, r=1),
            wall=lambda: wall_millis() + self.skew,
        )
        self.store.set_up("1357")
        self.client = SyncClient(
            self.store, self.http, retry=Retry(attempts=1, sleep=lambda s: 0), page_size=40
        )
        self.client.login(username, PASSWORD)
        self.user = self.store.secret("user")
        self.made: dict[int, tuple[str, dict]] = {}

    def record(self, name, args):
        seq = self.store.record(name, args)
        self.made[seq] = (name, self.store.outbox(("pending",))[-1].args)

    def sync(self):
        try:
            self.client.sync()
        except SyncError:
            pass  # offline this time; the outbox and cursor keep what was done


def choose_mutation(draw, phone: Phone, others_residents: list[str]):
    """A plausible mutation for this person, from what their phone shows now."""
    store, role = phone.store, phone.user["role"]
    residents = [r["id"] for r in store.all("resident")]
    visits = store.all("visit")
    options = []
    if residents and role in ("worker", "mentor"):
        options.append(
            (
                "checkin.record",
                lambda: {
                    "id": str(uuid.uuid4()),
                    "resident_id": draw(st.sampled_from(residents)),
                    "at": AT,
                    "seen_in_person": draw(st.booleans()),
                    "wellbeing": draw(st.sampled_from(["good", "fair", "poor", "emergency"])),
                    "notes": draw(st.sampled_from(["", "血压偏高", "精神很好"])),
                },
            )
        )
    if residents and role in ("worker", "supervisor"):
        options.append(
            (
                "resident.update",
                lambda: {
                    "id": draw(st.sampled_from(residents)),
                    "fields": {
                        draw(st.sampled_from(["phone", "notes", "living_alone"])): draw(
                            st.sampled_from(["139", "138", "独居", "有子女"])
                        )
                    },
                },
            )
        )
    if role == "worker" and residents:
        options.append(
            (
                "service.record",
                lambda: {
                    "id": str(uuid.uuid4()),
                    "resident_id": draw(st.sampled_from(residents)),
                    "category_code": "household.cleaning",
                    "at": AT,
                    "minutes": 30,
                    "description": "打扫",
                },
            )
        )
    if role == "mentor" and residents:
        options.append(
            (
                "assistance.log",
                lambda: {
                    "id": str(uuid.uuid4()),
                    "resident_id": draw(st.sampled_from(residents)),
                    "at": AT,
                    "kind": "生活物资",
                    "amount_cny": 200.0,
                    "description": "米面油",
                },
            )
        )
    own = [v for v in visits if v.get("assignee_id") == phone.user["id"]]
    if own and role in ("worker", "mentor"):
        options.append(
            (
                "visit.start",
                lambda: {"visit_id": draw(st.sampled_from([v["id"] for v in own])), "at": AT},
            )
        )
        options.append(
            (
                "visit.complete",
                lambda: {
                    "visit_id": draw(st.sampled_from([v["id"] for v in own])),
                    "at": AT,
                    "summary": "完成",
                },
            )
        )
    if role == "supervisor" and visits:
        ids = [v["id"] for v in visits]
        options.append(
            (
                "approval.decide",
                lambda: {
                    "visit_id": draw(st.sampled_from(ids)),
                    "decision": draw(st.sampled_from(["approve", "reject"])),
                    "reason": "请补充",
                },
            )
        )
        workers = [u["id"] for u in store.all("user") if u["role"] == "worker"]
        if workers:
            options.append(
                (
                    "visit.assign",
                    lambda: {
                        "visit_id": draw(st.sampled_from(ids)),
                        "assignee_id": draw(st.sampled_from(workers)),
                    },
                )
            )
        options.append(
            ("visit.cancel", lambda: {"visit_id": draw(st.sampled_from(ids)), "reason": "不再需要"})
        )
    if others_residents and role == "worker":
        # A forged write into someone else's community: must come back rejected.
        options.append(
            (
                "resident.update",
                lambda: {"id": draw(st.sampled_from(others_residents)), "fields": {"phone": "000"}},
            )
        )
    if not options:
        return None
    name, make = draw(st.sampled_from(options))
    return name, make()


def _cut_on_call(n: int):
    """A predicate that cuts the connection on the n-th request from now."""
    calls = iter(range(1000))
    return lambda _request: next(calls) == n


def fresh_view(phone: Phone) -> dict:
    tokens = phone.store.secret("tokens")
    records, cursor = {}, None
    while True:
        page = phone.http.get(
            "/api/v1/sync/pull",
            params={"limit": 5000, **({"cursor": cursor} if cursor else {})},
            headers={"authorization": f"Bearer {tokens['access']}"},
        ).json()
        for change in page["changes"]:
            records[(change["entity"], change["id"])] = change.get("data")
        cursor = page["cursor"]
        if not page["has_more"]:
            return {k: v for k, v in records.items() if v is not None}


_APP = []


def one_app(settings):
    """One app object for every example, given each example's settings before it starts: what
    a server holds (engine, caches, keys) is built by its start-up from the settings and
    dropped at shut-down, so this is a fresh server each time, without building its routes
    again (half a second an example)."""
    if not _APP:
        _APP.append(create_app(settings))
    _APP[0].state.settings = settings
    return _APP[0]


def hexid(value: str) -> str:
    return uuid.UUID(value).hex


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_phones_converge_under_loss_replay_and_skew(sqlite_template, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("chaos")
    database = folder / "server.db"
    shutil.copyfile(sqlite_template, database)
    count = data.draw(st.integers(3, 5), label="phones")
    with ExitStack() as stack:
        server = stack.enter_context(
            TestClient(one_app(make_settings(f"sqlite+aiosqlite:///{database}")))
        )
        phones = [Phone(folder, server._transport, name) for name in PEOPLE[:count]]
        for phone in phones:
            stack.callback(phone.http.close)
            stack.callback(phone.store.close)
            phone.sync()
        foreign = [r["id"] for r in phones[0].store.all("resident")]

        for _ in range(data.draw(st.integers(5, 25), label="steps")):
            phone = data.draw(st.sampled_from(phones), label="who")
            action = data.draw(st.sampled_from(["mutate", "mutate", "sync", "skew"]), label="do")
            if action == "mutate":
                others = foreign if phone.username == "worker3" else []
                mutation = choose_mutation(data.draw, phone, others)
                if mutation:
                    phone.record(*mutation)
            elif action == "skew":
                phone.skew = data.draw(st.integers(-DAY_MS, DAY_MS), label="skew")
            else:
                loss = data.draw(
                    st.sampled_from(["none", "request", "answer", "cut"]), label="loss"
                )
                phone.transport.drop_requests = int(loss == "request")
                phone.transport.drop_responses = int(loss == "answer")
                if loss == "cut":
                    cut_at = data.draw(st.integers(0, 4), label="cut at")
                    phone.transport.fail_when = _cut_on_call(cut_at)
                phone.sync()
                phone.transport.drop_requests = phone.transport.drop_responses = 0
                phone.transport.fail_when = None

        # The network heals: everyone syncs until nothing is pending, then once more.
        for _ in range(3):
            for phone in phones:
                phone.sync()
        for phone in phones:
            phone.client.sync()
            assert phone.store.pending_count() == 0
            assert phone.store.outbox(("acked",)) == []

        check_invariants(database, phones)


def check_invariants(database, phones):
    for phone in phones:
        view = fresh_view(phone)
        # 1. The phone holds exactly its scope as the server sees it, with nothing left over.
        assert phone.store.server_copy() == view, phone.username
        entities = {
            "resident",
            "visit",
            "checkin",
            "assistance",
            "service_record",
            "user",
            "org_unit",
            "service_category",
            "request",
        }
        local = {(e, r["id"]): r for e in entities for r in phone.store.all(e)}
        assert local == view, phone.username

    db = sqlite3.connect(database)
    try:
        for phone in phones:
            device = hexid(phone.store.device_id)
            rows = db.execute(
                "SELECT seq, status, stamp, error_code FROM mutation_log "
                "WHERE device_id = ? ORDER BY seq",
                (device,),
            ).fetchall()
            # 2. Every mutation the phone made was taken exactly once, in order, none skipped.
            assert [r[0] for r in rows] == sorted(phone.made), phone.username
            last_seq = db.execute("SELECT last_seq FROM device WHERE id = ?", (device,)).fetchone()[
                0
            ]
            assert last_seq == max(phone.made, default=0)
            # 3. Every rejection reached the phone with its reason, even when an answer was lost.
            rejected = {r[0] for r in rows if r[1] == "rejected"}
            kept = {e.seq for e in phone.store.outbox(("rejected",))}
            assert kept == rejected, phone.username
            # 4. Acknowledged append-only writes are on the server, once.
            for seq, status, _, _ in rows:
                name, args = phone.made[seq]
                table = {
                    "checkin.record": "checkin",
                    "assistance.log": "assistance",
                    "service.record": "service_record",
                }.get(name)
                if table and status == "applied":
                    found = db.execute(
                        f"SELECT count(*) FROM {table} WHERE id = ?", (hexid(args["id"]),)
                    ).fetchone()[0]
                    assert found == 1, (name, args)
        # 5. Field merges: the latest applied write of each field is what the record holds.
        latest: dict[tuple[str, str], tuple[str, object]] = {}
        for phone in phones:
            device = hexid(phone.store.device_id)
            for seq, status, stamp in db.execute(
                "SELECT seq, status, stamp FROM mutation_log WHERE device_id = ? AND "
                "name = 'resident.update'",
                (device,),
            ):
                if status != "applied":
                    continue
                args = phone.made[seq][1]
                for field, value in args["fields"].items():
                    key = (args["id"], field)
                    if key not in latest or stamp > latest[key][0]:
                        latest[key] = (stamp, value)
        for (resident_id, field), (_, value) in latest.items():
            stored = db.execute(
                f"SELECT {field} FROM resident WHERE id = ?", (hexid(resident_id),)
            ).fetchone()[0]
            assert stored == value or (field == "living_alone" and bool(stored) == value)
    finally:
        db.close()
