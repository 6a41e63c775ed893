"""The lean push: a batch of check-ins applied on the database driver's own connection.

Most pushes are a worker's check-ins at the door, and a phone pushes whenever it has one: the
push is the second path every sync may take (docs/sync.md). On the ORM a push of one check-in
spent ~8 ms of CPU, most of it the session's unit of work and its commit hooks, for a dozen
short statements. This path runs the same statements on the driver (asyncpg's connection, or
aiosqlite's), compiled once per dialect (`server/sync/prepared.py`).

The rules are not written twice. `service.apply_one` (the checks every mutation goes
through: known, allowed to the role, well-formed, a valid clock stamp, the device signature)
and the kind's own `fieldrecords.save` (the same id again, the resident in scope, the
permission, the visit named) run against `Staged`, a stand-in for the ORM session: what they
write they already keep in the session's `info` until commit (the rows to append, the audit
entries, the feed's notes, the proof's verdict), and the rows they read come from the batch's
prefetch, here read on the driver. Then one transaction on the driver writes what was staged,
with what the ORM's commit hooks would add (server/feed/capture.py): the records, the mutation
log, the audit entries, the device's last seq, the feed clock and entries, the NOTIFY.

Which pushes: those whose every mutation is of a field record kind declared `lean` (a
check-in) and that name no photo or signature (a blob's owner is checked, and the record's
reference to it kept, through the ORM). Any other push, and any lean one that meets something
unforeseen (a row the prefetch did not read: `NotLean`; a database error such as a record
written meanwhile under the same id), is done the ORM's way from the start, after the lean
transaction rolled back: the outcome is always the ORM path's own.

Order and locks are the ORM path's: the device's row first (`FOR UPDATE` on PostgreSQL; on
SQLite the process's write gate and `BEGIN IMMEDIATE`), the feed clock's row last.
"""

import json
import logging
import sqlite3
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Dialect

from server.audit.tables import AuditEntry
from server.auth.service import authenticate, read_claims
from server.auth.tables import Device, MutationLog
from server.blobs.proof import named_blobs
from server.clock import utcnow
from server.db.transaction import transaction
from server.errors import ProblemError
from server.feed import capture, notify
from server.feed.tables import FeedEntry
from server.fieldrecords.service import kinds
from server.runtime import Runtime
from server.sync import lean, service
from server.sync.lean_writes import Batch
from server.sync.prepared import Prepared, Write
from shared.protocol import MutationError, MutationResult, PushRequest, PushResponse

log = logging.getLogger("doorstep.sync")

# The mutations a lean push may carry: those of the field record kinds declared `lean`.
LEAN_MUTATIONS = frozenset(kind.action for kind in kinds() if kind.lean)


class NotLean(Exception):
    """The batch needs the ORM after all: the push is done the ORM's way instead."""


class Staged:
    """Stands in for the ORM session while a lean push applies its mutations. What the domain
    code writes it keeps in `info`, as in a session until commit; anything that would need the
    ORM itself (a query, an object added) raises `NotLean`."""

    stages_changes = True  # the feed's notes are kept here (server/feed/capture.note)

    def __init__(self, process: dict[str, Any], public_key: str | None) -> None:
        self.info: dict[str, Any] = {"process": process, "device_public_key": public_key}

    @property
    def sync_session(self) -> "Staged":
        return self

    def _needs_the_orm(self, *_args: Any, **_kwargs: Any) -> Any:
        raise NotLean

    get = scalar = scalars = execute = connection = add = flush = _needs_the_orm


def takes_lean_path(request: PushRequest) -> bool:
    """Whether a push may be done on the driver: only lean kinds, no blob named."""
    mutations = request.mutations
    return all(m.name in LEAN_MUTATIONS for m in mutations) and not named_blobs(mutations)


async def push(runtime: Runtime, authorization: str | None, body: bytes) -> PushResponse:
    """A push: the token (401 before any database), the standing (401, 403), the body (the
    contract's errors), then the lean path if it may take it, else the ORM's."""
    claims = read_claims(runtime, authorization, utcnow())
    async with lean.driver_connection(runtime.engine) as connection:
        caller = await lean.read_caller(runtime, connection, claims)
        request = service.parse_push(body)
        if takes_lean_path(request):
            done = await _on_the_driver(runtime, caller, connection, request)
            if done is not None:
                return done
    async with transaction(runtime) as session:
        principal = await authenticate(session, runtime, authorization, utcnow())
        return await service.push(session, runtime, principal, request)


async def _on_the_driver(
    runtime: Runtime, caller: lean.Caller, connection: Any, request: PushRequest
) -> PushResponse | None:
    """The push applied in one transaction on `connection`; None: it needs the ORM (nothing
    was written). A refusal of the whole push (403, 409 seq_gap) is raised as on the ORM."""
    gate = runtime.write_gate
    if gate is not None:
        await gate.acquire()
    try:
        write = _Transaction(connection, statements(runtime.engine.dialect))
        await write.begin()
        try:
            answer, committed = await _apply(runtime, caller, write, request)
        except ProblemError:
            await write.rollback()
            raise
        except Exception as exc:
            await write.rollback()
            if isinstance(exc, NotLean):
                log.info("a push needed the ORM after all; applying it there")
            else:
                log.warning("the lean push failed; applying it on the ORM", exc_info=True)
            return None
        await write.commit()
    finally:
        if gate is not None:
            gate.release()
    if committed is not None:
        hub = runtime.sessions.kw["info"]["process"].get("feed_hub")
        if hub is not None:  # this process's streams at once; the NOTIFY tells the others
            hub.publish(*committed)
    return answer


async def _apply(
    runtime: Runtime, caller: lean.Caller, write: "_Transaction", request: PushRequest
) -> tuple[PushResponse, tuple[int, list[str]] | None]:
    """`service.push`'s steps, the writes staged and then made on the driver."""
    actor = caller.principal.actor
    if request.device_id != str(actor.device_id):
        raise ProblemError(403, "forbidden", "The push names another device than the token's.")
    compiled, connection = write.statements, write.connection
    device = (await compiled.device.rows(connection, device_id=actor.device_id))[0]
    applied_up_to = device.last_seq
    fresh = [mutation for mutation in request.mutations if mutation.seq > applied_up_to]
    if fresh and fresh[0].seq != applied_up_to + 1:
        raise ProblemError(
            409, "seq_gap", f"Expected seq {applied_up_to + 1} next.", expected=applied_up_to + 1
        )
    results = {
        seq: MutationResult(seq, "duplicate", error)
        for seq, error in (await _earlier(write, actor.device_id, request, applied_up_to)).items()
    }
    staged = Staged(runtime.sessions.kw["info"]["process"], device.public_key)
    await _prefetch(write, staged, fresh)
    journal = []
    for mutation in fresh:
        result, stamp = await service.apply_one(staged, runtime, caller.principal, mutation)
        results[mutation.seq] = result
        journal.append(service.journal_row(actor.device_id, mutation, result, stamp))
    last_seq = fresh[-1].seq if fresh else applied_up_to
    committed = await write.staged(staged, journal, actor.device_id, last_seq)
    return PushResponse(last_seq, [results[m.seq] for m in request.mutations]), committed


async def _earlier(write: "_Transaction", device_id, request, applied_up_to) -> dict:
    """Mutations sent again: each answered with its first outcome's error, if it had one."""
    seqs = [m.seq for m in request.mutations if m.seq <= applied_up_to]
    if not seqs:
        return {}
    rows = await write.statements.rejected.rows(
        write.connection, device_id=device_id, low=min(seqs), high=max(seqs)
    )
    errors = {row.seq: MutationError(row.error_code, row.error_message) for row in rows}
    return {seq: errors.get(seq) for seq in seqs}


async def _prefetch(write: "_Transaction", staged: Staged, mutations) -> None:
    """The rows the batch will read (`service.wanted_ids`), as `feed.lookup.prefetch` keeps
    them: found by (table, id), and the ids looked for and not found."""
    records = write.statements.records
    known = staged.info.setdefault("prefetched_rows", {})
    absent = staged.info.setdefault("absent_ids", {})
    for entity, wanted in service.wanted_ids(mutations).items():
        table = service.TABLES[entity]
        found = await records.rows(write.connection, entity, list(wanted))
        known.update({(table, row.id): row for row in found})
        absent.setdefault(table, set()).update(wanted - {row.id for row in found})


class _Records:
    """Rows of a synced table by a list of ids, as the lean pull reads them."""

    def __init__(self, compiled: lean.Statements) -> None:
        self.compiled = compiled

    async def rows(self, connection: Any, entity: str, ids: list) -> list[Any]:
        statement = self.compiled.records[entity]
        if self.compiled.postgresql:
            return await statement.rows(connection, ids=ids)
        return await statement.rows(connection, ids=json.dumps([i.hex for i in ids]))


class _Statements:
    """The lean push's statements for one dialect; inserts compiled per set of columns."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.postgresql = dialect.name == "postgresql"
        device = Device.__table__
        locked = select(device.c.last_seq, device.c.public_key).where(
            device.c.id == bindparam("device_id")
        )
        self.device = Prepared(locked.with_for_update(), dialect)
        log_ = MutationLog.__table__
        self.rejected = Prepared(
            select(log_.c.seq, log_.c.error_code, log_.c.error_message).where(
                log_.c.device_id == bindparam("device_id"),
                log_.c.seq.between(bindparam("low"), bindparam("high")),
                log_.c.status == "rejected",
            ),
            dialect,
        )
        self.seen = Write(
            update(device).where(device.c.id == bindparam("device_id")),
            dialect,
            ["last_seq", "last_seen_at"],
        )
        self.bump = Write(capture.bump(), dialect)
        self.one_statement = Batch(dialect, self.seen, self.bump) if self.postgresql else None
        self.records = _Records(lean.statements(dialect))
        self._inserts: dict[tuple[Any, tuple[str, ...]], Write] = {}

    def insert(self, table: Any, keys: tuple[str, ...]) -> Write:
        found = self._inserts.get((table, keys))
        if found is None:
            found = self._inserts[(table, keys)] = Write(insert(table), self.dialect, list(keys))
        return found


_COMPILED: WeakKeyDictionary[Dialect, _Statements] = WeakKeyDictionary()


def statements(dialect: Dialect) -> _Statements:
    found = _COMPILED.get(dialect)
    if found is None:
        found = _COMPILED[dialect] = _Statements(dialect)
    return found


class _Transaction:
    """One transaction on the driver's connection, and the writes of a staged batch."""

    def __init__(self, connection: Any, compiled: _Statements) -> None:
        self.connection, self.statements = connection, compiled
        self._postgresql = compiled.postgresql
        self._open: Any = None

    async def begin(self) -> None:
        if self._postgresql:
            self._open = self.connection.transaction()
            await self._open.start()
        else:
            await self.connection.execute("BEGIN IMMEDIATE")  # the write lock up front

    async def commit(self) -> None:
        if self._postgresql:
            await self._open.commit()
        else:
            await self.connection.execute("COMMIT")

    async def rollback(self) -> None:
        if self._postgresql:
            await self._open.rollback()
        else:
            try:
                await self.connection.execute("ROLLBACK")
            except sqlite3.OperationalError:  # SQLite already rolled it back (an error did)
                pass

    def grouped(self, table: Any, rows: list[dict[str, Any]]) -> list[tuple[Write, list[dict]]]:
        """Rows of one table, with the insert for each set of columns given."""
        by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            by_keys.setdefault(tuple(row), []).append(row)
        return [(self.statements.insert(table, keys), same) for keys, same in by_keys.items()]

    async def staged(
        self, staged: Staged, journal: list[dict], device_id: Any, last_seq: int
    ) -> tuple[int, list[str]] | None:
        """What the batch staged, and its bookkeeping: the records, the mutation log, the
        audit, the device, then the feed (`capture._before_commit`'s order); on PostgreSQL a
        few rows a table go in one statement (server/sync/lean_writes.py). The feed version
        and keys committed, for this process's live streams (None: no feed entry)."""
        info = staged.info
        groups = []
        for table, rows in info.pop("append_rows", {}).items():
            groups += self.grouped(table.__table__, rows)
        groups += self.grouped(MutationLog.__table__, journal)
        groups += self.grouped(AuditEntry.__table__, info.pop("audit_pending", []))
        device = {"device_id": device_id, "last_seq": last_seq, "last_seen_at": utcnow()}
        pending = capture.changes(info)
        entries = capture.entries(0, pending) if pending else []  # at the version to come
        keys = sorted({row["key"] for row in entries})
        one = self.statements.one_statement
        if one is not None and one.fits(groups, entries):
            version = await one.run(self.connection, groups, device, entries, keys)
            return (version, keys) if entries else None
        for write, rows in groups:
            await write.many(self.connection, rows)
        await self.statements.seen.run(self.connection, **device)
        if not entries:
            return None
        version = await self.statements.bump.run(self.connection)
        for write, rows in self.grouped(FeedEntry.__table__, entries):
            await write.many(self.connection, [{**row, "version": version} for row in rows])
        if self._postgresql:
            said = notify.payload(version, keys)
            await self.connection.execute("SELECT pg_notify($1, $2)", notify.CHANNEL, said)
        return version, keys
