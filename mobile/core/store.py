"""The phone's local store: server data, pending mutations and settings, encrypted at rest.

Tables: `base` holds records as the server last sent them; `overlay` holds the records as
the phone's unpushed (or pushed but not yet pulled) mutations leave them; `outbox` holds those
mutations with their seq numbers. A read sees overlay over base. Every value that can name or
describe a person is sealed with the data key before it touches the file.
"""

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mobile.core import crypto
from mobile.core.conflicts import Concurrent
from mobile.core.crypto import Cipher, KdfCost, cost_of, rewrap_key, unwrap_key, wrap_new_key
from shared import mutations
from shared.hlc import Clock, wall_millis

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS secret (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS base (
    entity TEXT NOT NULL, id TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (entity, id));
CREATE TABLE IF NOT EXISTS overlay (
    entity TEXT NOT NULL, id TEXT NOT NULL, data BLOB, PRIMARY KEY (entity, id));
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY, name TEXT NOT NULL, args BLOB NOT NULL, hlc TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending', error BLOB, made_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS conflict (
    n INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB NOT NULL);
"""


CLOCK_TOLERANCE_MS = 2000


class Locked(Exception):
    """The store needs the PIN before it can read or write people's data."""


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    name: str
    args: dict[str, Any]
    hlc: str
    state: str  # pending: not yet applied by the server; acked: applied, not yet pulled back
    error: dict[str, Any] | None = None


class LocalStore(Concurrent):
    def __init__(
        self,
        path: Path | str,
        kdf_cost: KdfCost | crypto.Argon2Cost | None = None,
        wall: Callable[[], int] = wall_millis,
    ) -> None:
        self.path = Path(path)
        self._wall = wall  # the phone's own clock in Unix ms; tests skew it
        self.kdf_cost = kdf_cost or KdfCost()
        self._lock = threading.RLock()
        self._cipher: Cipher | None = None
        self._data_key: bytes | None = None
        self._clock: Clock | None = None
        self._db = self._open()

    # -- the file -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        # Each install (and each wipe) is a new device to the server.
        db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('device_id', ?)",
            (json.dumps(str(uuid.uuid4())),),
        )
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._db.in_transaction:  # joined by a nested call: the outer one commits
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def wipe(self) -> None:
        """Erase everything on this phone: records, outbox, keys, tokens. Back to first run."""
        with self._lock:
            self._db.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self._cipher = self._data_key = self._clock = None
            self._db = self._open()

    # -- plain settings (no personal data) ------------------------------------------------

    def meta(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value: Any, db: sqlite3.Connection | None = None) -> None:
        sql = (
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
            "SET value = excluded.value"
        )
        if db is not None:
            db.execute(sql, (key, json.dumps(value)))
            return
        with self._transaction() as tx:
            tx.execute(sql, (key, json.dumps(value)))

    @property
    def device_id(self) -> str:
        return self.meta("device_id")

    # -- the PIN and the data key ---------------------------------------------------------

    @property
    def is_set_up(self) -> bool:
        return self.meta("keystore") is not None

    @property
    def is_unlocked(self) -> bool:
        return self._cipher is not None

    def set_up(self, pin: str) -> None:
        """First run: make the data key and wrap it under the PIN."""
        data_key, record = wrap_new_key(pin, self.kdf_cost)
        self.set_meta("keystore", record)
        self._use_key(data_key)

    def unlock(self, pin: str) -> None:
        """Opens the data key by the KDF the store's header names; an Argon2id store (from
        before scrypt) is wrapped again with scrypt, so it opens on any build from then on."""
        record = self.meta("keystore")
        data_key = unwrap_key(pin, record)
        if type(cost_of(record)) is not type(self.kdf_cost):
            self.set_meta("keystore", rewrap_key(data_key, pin, self.kdf_cost))
        self._use_key(data_key)

    def change_pin(self, new_pin: str) -> None:
        self._require()
        self.set_meta("keystore", rewrap_key(self._data_key, new_pin, self.kdf_cost))

    def lock(self) -> None:
        self._cipher = self._data_key = None

    def _use_key(self, data_key: bytes) -> None:
        self._data_key = data_key
        self._cipher = Cipher(data_key)
        self._clock = None

    @property
    def cipher(self) -> Cipher:
        """The data key's cipher, for what is kept beside the database (photos); Locked
        without the PIN."""
        return self._require()

    def _require(self) -> Cipher:
        if self._cipher is None:
            raise Locked("enter the PIN first")
        return self._cipher

    # -- sealed settings (tokens, who is signed in) ---------------------------------------

    def secret(self, key: str, default: Any = None) -> Any:
        cipher = self._require()
        with self._lock:
            row = self._db.execute("SELECT value FROM secret WHERE key = ?", (key,)).fetchone()
        return cipher.open(row[0], f"secret/{key}") if row else default

    def set_secret(self, key: str, value: Any) -> None:
        blob = self._require().seal(value, f"secret/{key}")
        with self._transaction() as tx:
            tx.execute(
                "INSERT INTO secret (key, value) VALUES (?, ?) ON CONFLICT (key) "
                "DO UPDATE SET value = excluded.value",
                (key, blob),
            )

    # -- the clock ------------------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        """This phone's hybrid logical clock, on a wall clock corrected by the server's time."""
        if self._clock is None:

            def wall() -> int:
                return self._wall() + int(self.meta("clock_offset_ms", 0))

            node = self.device_id.replace("-", "")[:8]
            self._clock = Clock(node, wall=wall, last=self.meta("hlc_last"))
        return self._clock

    def observe_server_clock(self, server_hlc: str) -> None:
        """Move the clock past the server's and learn how far this phone's wall clock is off.

        The server stamps its answer just before sending it, so its time minus ours on arrival
        is the offset, give or take the answer's time on the wire. Offsets under
        CLOCK_TOLERANCE_MS are treated as noise: correcting them would reorder edits made
        moments apart on phones whose clocks are fine.
        """
        stamp = self.clock.receive(server_hlc)
        offset = int(server_hlc.split(":")[0]) - self._wall()
        self.set_meta("clock_offset_ms", offset if abs(offset) > CLOCK_TOLERANCE_MS else 0)
        self.set_meta("hlc_last", stamp)

    # -- records --------------------------------------------------------------------------

    def get(self, entity: str, record_id: str) -> dict[str, Any] | None:
        cipher = self._require()
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM overlay WHERE entity = ? AND id = ?", (entity, record_id)
            ).fetchone()
            if row is None:
                row = self._db.execute(
                    "SELECT data FROM base WHERE entity = ? AND id = ?", (entity, record_id)
                ).fetchone()
        if row is None or row[0] is None:
            return None
        return cipher.open(row[0], f"{entity}/{record_id}")

    def all(self, entity: str) -> list[dict[str, Any]]:
        cipher = self._require()
        with self._lock:
            base = self._db.execute(
                "SELECT id, data FROM base WHERE entity = ?", (entity,)
            ).fetchall()
            overlay = dict(
                self._db.execute(
                    "SELECT id, data FROM overlay WHERE entity = ?", (entity,)
                ).fetchall()
            )
        records = []
        for record_id, blob in base:
            blob = overlay.pop(record_id, blob)
            if blob is not None:
                records.append(cipher.open(blob, f"{entity}/{record_id}"))
        records.extend(
            cipher.open(blob, f"{entity}/{record_id}")
            for record_id, blob in overlay.items()
            if blob is not None
        )
        return records

    def server_copy(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Every record as the server last sent it (for tests and diagnostics)."""
        cipher = self._require()
        with self._lock:
            rows = self._db.execute("SELECT entity, id, data FROM base").fetchall()
        return {(e, i): cipher.open(d, f"{e}/{i}") for e, i, d in rows}

    def apply_page(self, changes: Iterable[dict[str, Any]], cursor: str, last_seq: int) -> int:
        """Store one pulled page and its cursor in one transaction: a cut sync resumes here."""
        cipher = self._require()
        puts, rows_deleted = [], []
        for change in changes:
            key = (change["entity"], change["id"])
            if change["op"] == "put":
                puts.append((key, change["data"]))
            else:
                rows_deleted.append(key)
        sealed = cipher.seal_many([(data, f"{e}/{i}") for (e, i), data in puts])
        rows_put = [(e, i, blob) for ((e, i), _), blob in zip(puts, sealed, strict=True)]
        with self._transaction() as tx:
            tx.executemany(
                "INSERT INTO base (entity, id, data) VALUES (?, ?, ?) ON CONFLICT "
                "(entity, id) DO UPDATE SET data = excluded.data",
                rows_put,
            )
            tx.executemany("DELETE FROM base WHERE entity = ? AND id = ?", rows_deleted)
            self.set_meta("cursor", cursor, tx)
            self.set_meta("server_last_seq", last_seq, tx)
        return len(rows_put) + len(rows_deleted)

    def forget_server_data(self) -> None:
        """The cursor expired: drop what the server sent; the outbox stays."""
        with self._transaction() as tx:
            tx.execute("DELETE FROM base")
            tx.execute("DELETE FROM meta WHERE key = 'cursor'")

    # -- the outbox -----------------------------------------------------------------------

    def make(self, args: mutations.Args) -> int:
        """Queue a typed mutation (its name comes from the registry) and apply it here."""
        return self.record(*mutations.encode(args))

    def record(self, name: str, args: dict[str, Any]) -> int:
        """Make a mutation: give it the next seq and a clock stamp, apply it here at once."""
        cipher = self._require()
        user_id = (self.secret("user") or {}).get("id", "")
        args = self.what_was_seen(name, args)
        with self._transaction() as tx:
            seq = int(self.meta("next_seq", 1))
            stamp = self.clock.now()
            tx.execute(
                "INSERT INTO outbox (seq, name, args, hlc, made_at) VALUES (?, ?, ?, ?, ?)",
                (seq, name, cipher.seal(args, f"outbox/{seq}"), stamp, time.time()),
            )
            self.set_meta("next_seq", seq + 1, tx)
            self.set_meta("hlc_last", stamp, tx)
            self._write_effects(tx, mutations.optimistic_effects(self.get, name, args, user_id))
        return seq

    def _write_effects(self, tx: sqlite3.Connection, effects: list[mutations.LocalWrite]) -> None:
        cipher = self._require()
        for entity, record_id, data in effects:
            blob = None if data is None else cipher.seal(data, f"{entity}/{record_id}")
            tx.execute(
                "INSERT INTO overlay (entity, id, data) VALUES (?, ?, ?) ON CONFLICT "
                "(entity, id) DO UPDATE SET data = excluded.data",
                (entity, record_id, blob),
            )

    def outbox(self, states: tuple[str, ...] = ("pending",), limit: int = -1) -> list[OutboxEntry]:
        cipher = self._require()
        marks = ",".join("?" * len(states))
        with self._lock:
            rows = self._db.execute(
                f"SELECT seq, name, args, hlc, state, error FROM outbox WHERE state IN ({marks}) "
                "ORDER BY seq LIMIT ?",
                (*states, limit),
            ).fetchall()
        return [
            OutboxEntry(
                seq,
                name,
                cipher.open(args, f"outbox/{seq}"),
                hlc,
                state,
                cipher.open(error, f"outbox-error/{seq}") if error else None,
            )
            for seq, name, args, hlc, state, error in rows
        ]

    def pending_count(self) -> int:
        with self._lock:
            return self._db.execute(
                "SELECT count(*) FROM outbox WHERE state = 'pending'"
            ).fetchone()[0]

    def settle(self, results: list[dict[str, Any]]) -> None:
        """Take the server's answers: applied and duplicate are acked, rejected are kept aside."""
        cipher = self._require()
        with self._transaction() as tx:
            for result in results:
                # A duplicate that carries an error was rejected the first time round.
                if result["status"] == "rejected" or result.get("error"):
                    error = cipher.seal(result.get("error") or {}, f"outbox-error/{result['seq']}")
                    tx.execute(
                        "UPDATE outbox SET state = 'rejected', error = ? WHERE seq = ?",
                        (error, result["seq"]),
                    )
                else:
                    tx.execute(
                        "UPDATE outbox SET state = 'acked' WHERE seq = ? AND state = 'pending'",
                        (result["seq"],),
                    )
                for conflict in result.get("conflicts") or []:
                    tx.execute(
                        "INSERT INTO conflict (data) VALUES (?)",
                        (cipher.seal(conflict, "conflict"),),
                    )

    def acknowledge_up_to(self, last_seq: int) -> None:
        """After a complete pull: the server's copy now holds every mutation up to last_seq."""
        with self._transaction() as tx:
            tx.execute(
                "DELETE FROM outbox WHERE seq <= ? AND state IN ('pending', 'acked')", (last_seq,)
            )

    def mark_acked_before(self, seq: int) -> None:
        """The server says it already applied everything below `seq` (a lost push response)."""
        with self._transaction() as tx:
            tx.execute(
                "UPDATE outbox SET state = 'acked' WHERE seq < ? AND state = 'pending'", (seq,)
            )

    def dismiss_rejected(self, seq: int) -> None:
        with self._transaction() as tx:
            tx.execute("DELETE FROM outbox WHERE seq = ? AND state = 'rejected'", (seq,))

    def rebase(self) -> None:
        """Rebuild the overlay: the outbox's mutations replayed, in order, over server data."""
        entries = self.outbox(("pending", "acked"))
        user_id = (self.secret("user") or {}).get("id", "")
        with self._transaction() as tx:
            tx.execute("DELETE FROM overlay")
            for entry in entries:
                self._write_effects(
                    tx, mutations.optimistic_effects(self.get, entry.name, entry.args, user_id)
                )
