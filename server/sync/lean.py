"""The lean pull: token check, standing, feed page and records on the driver's own connection.

Every phone pulls every few seconds, and most pulls find nothing new: the path is short and
taken often, so it carries no ORM session and no unit of work. The statements are the
SQLAlchemy Core statements the rest of the server uses (`auth.service.STANDING`, the pull's
`feed_query` statements, `select(table)` of each synced record), compiled once per dialect to
SQL text; they run on the connection of the database driver itself (asyncpg, or aiosqlite's
sqlite3 connection), checked out of the engine's own pool, and their rows come back through
the same column types SQLAlchemy would apply (UUIDs, UTC times, JSON, booleans), so a record's
`data` is the same to the byte. asyncpg prepares each statement once per connection and keeps
it (its statement cache; with PgBouncer the cache is off, as for the ORM); sqlite3 keeps its
compiled statements per connection too. The answer is encoded by msgspec once, here.

Why the engine's pool, not a pool of its own: the sync gate admits as many syncs as the pool
holds connections (server/sync/gate.py), so an admitted pull never waits for a connection and
the database sees no more connections than before; a connection checked out here goes back
to the same pool, reset as any other.

What the pull reads, and in which order, is the ORM path's (docs/sync.md): the standing (with
`last_seq`) before the page, the page with the feed clock in one statement, then the records.
Each statement reads its own snapshot, as PostgreSQL's READ COMMITTED gives every statement of
a transaction anyway: everything the page's clock covers was committed before the page was
read, and a record read later is as it is now (a later change of it has a later feed entry).
With a replica (`DOORSTEP_READ_DATABASE_URL`), the standing is read on the primary and
`last_seq`, the page and the records on the replica (server/sync/replica.py).

What stays on the ORM: everything else, the push included (its bookkeeping is one
transaction with the mutations' own writes), and the rare reload of the org tree's cache.
"""

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

import msgspec
from litestar import Request, Response
from litestar.enums import MediaType
from sqlalchemy import String, any_, bindparam, column, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util.concurrency import greenlet_spawn

from server.auth.service import STANDING, Principal, read_claims, standing_of
from server.clock import utcnow
from server.errors import ProblemError
from server.org.service import UnitCache, all_units
from server.records import Place
from server.records.keys import PerTree
from server.runtime import Runtime
from server.sync import cursor as cursors
from server.sync import feed_query, scope
from server.sync.prepared import Prepared
from server.sync.records import RECORDS
from server.sync.replica import LAST_SEQ, UNAVAILABLE_RAW
from shared.protocol import Change, PullResponse

log = logging.getLogger("doorstep.sync")
_ENCODER = msgspec.json.Encoder()


@dataclass(frozen=True)
class Statements:
    """Every statement of the lean pull, compiled for one dialect."""

    standing: Prepared
    last_seq: Prepared
    page: Prepared
    remaining: Prepared
    records: dict[str, Prepared]  # entity → its rows by a list of ids
    postgresql: bool


# Per engine's dialect: its result conversions carry the engine's own settings (its JSON codec).
_COMPILED: WeakKeyDictionary[Dialect, "Statements"] = WeakKeyDictionary()


def statements(dialect: Dialect) -> Statements:
    """The statements for an engine's dialect, compiled at the engine's first pull."""
    found = _COMPILED.get(dialect)
    if found is None:
        postgresql = dialect.name == "postgresql"
        page, remaining = feed_query.POSTGRESQL if postgresql else feed_query.SQLITE
        records = {}
        for entity, declared in RECORDS.items():
            table = declared.table.__table__
            if postgresql:
                ids = table.c.id == any_(bindparam("ids", type_=ARRAY(table.c.id.type)))
            else:
                listed = func.json_each(bindparam("ids", type_=String))
                ids = table.c.id.in_(select(column("value")).select_from(listed))
            records[entity] = Prepared(select(table).where(ids), dialect)
        found = Statements(
            Prepared(STANDING, dialect),
            Prepared(LAST_SEQ, dialect),
            Prepared(page, dialect),
            Prepared(remaining, dialect),
            records,
            postgresql,
        )
        _COMPILED[dialect] = found
    return found


# Errors after which the driver's connection may be in no state to serve the next request:
# it is closed and the pool opens another. A refusal (401, 410, …) leaves it as it was.
KEEP_CONNECTION = (ProblemError,)


@asynccontextmanager
async def driver_connection(engine: AsyncEngine) -> AsyncIterator[Any]:
    """The driver's own connection (asyncpg's, aiosqlite's), out of the engine's pool and back.
    No transaction: each statement is its own (autocommit). The pool's own connection, not an
    engine `Connection` around it: a check-out and check-in cost a third of that."""
    pooled = await greenlet_spawn(engine.sync_engine.raw_connection)
    try:
        yield pooled.driver_connection
    except KEEP_CONNECTION:
        raise
    except BaseException:
        await greenlet_spawn(pooled.invalidate)  # closed; the pool opens another
        raise
    finally:
        await greenlet_spawn(pooled.close)  # back to the pool (reset as any other)


async def units_of(runtime: Runtime) -> dict[UUID, Any]:
    """The org tree, from the process's cache; reloaded through a session when it is stale
    (every `UnitCache.MAX_AGE` at most, or after a change to it in this process)."""
    process = runtime.sessions.kw["info"]["process"]
    cache: UnitCache | None = process.get("unit_cache")
    units = cache.fresh() if cache is not None else None
    if units is None:
        async with (runtime.read_sessions or runtime.sessions)() as session, session.begin():
            units = await all_units(session)
    return units


_SCOPES = PerTree()  # each caller's feed keys and their fingerprint, for one org tree


def scope_of(actor: Any, units: dict[UUID, Any]) -> tuple[list[str], str]:
    """The caller's feed keys and their fingerprint (a walk of the tree, once per tree)."""

    def compute() -> tuple[list[str], str]:
        keys = scope.feed_keys(actor, units)
        return keys, scope.fingerprint(keys)

    return _SCOPES.get(units, (actor.user_id, actor.role, actor.unit_path), compute)


@dataclass
class Caller:
    """A pull's caller, and the primary's connection its standing was read on."""

    principal: Principal
    units: dict[UUID, Any]
    connection: Any
    statements: Statements
    runtime: Runtime


async def provide_caller(request: Request) -> AsyncIterator[Caller]:
    """The pull's dependency in place of the transaction and the ORM's principal: the token
    (401 before any database), the standing on the driver's connection (401, 403), the same
    answers in the same order as `auth.service.authenticate`."""
    runtime: Runtime = request.app.state.runtime
    claims = read_claims(runtime, request.headers.get("authorization"), utcnow())
    async with driver_connection(runtime.engine) as connection:
        yield await read_caller(runtime, connection, claims)


async def read_caller(runtime: Runtime, connection: Any, claims: Any) -> Caller:
    """The caller a checked token names, its standing read on `connection` (401, 403)."""
    compiled = statements(runtime.engine.dialect)
    found = await compiled.standing.rows(
        connection, device_id=claims.device_id, user_id=claims.user_id
    )
    units = await units_of(runtime) if found else {}
    principal = standing_of(claims, found[0] if found else None, units)
    return Caller(principal, units, connection, compiled, runtime)


class PulledPage(Response):
    """A pull's answer, encoded here; the metrics count its changes by kind."""

    def __init__(self, body: bytes, puts: int, deletes: int) -> None:
        super().__init__(content=body, media_type=MediaType.JSON)
        self.puts, self.deletes = puts, deletes


async def pull(runtime: Runtime, caller: Caller, cursor: str | None, limit: int) -> PulledPage:
    """A pull, read from the replica when there is one that answers, else from the primary."""
    reader = runtime.pull_reader
    compiled = caller.statements
    if reader is not None and reader.usable():
        try:
            async with driver_connection(reader.engine) as connection:
                device_id = caller.principal.actor.device_id
                # As the replica has replayed it (0: the device is not there yet).
                last_seq = await compiled.last_seq.value(connection, device_id=device_id) or 0
                return await page(runtime, caller, connection, cursor, limit, last_seq)
        except UNAVAILABLE_RAW:
            log.warning(
                "the read replica could not answer a pull: reading the primary", exc_info=True
            )
            reader.failed()
    return await page(runtime, caller, caller.connection, cursor, limit, None)


async def page(
    runtime: Runtime,
    caller: Caller,
    connection: Any,
    cursor: str | None,
    limit: int,
    last_seq: int | None,
) -> PulledPage:
    """The page after `cursor`, as `service.pull` answers it (docs/sync.md), read on
    `connection`. `last_seq`, when given, was read on it before the feed (a replica's)."""
    compiled = caller.statements
    actor = caller.principal.actor
    keys, scope_id = scope_of(actor, caller.units)
    last_seq = caller.principal.last_seq if last_seq is None else last_seq
    position = cursors.decode(cursor, scope_id, 0)
    bound_keys = keys if compiled.postgresql else json.dumps(keys)
    params = {"keys": bound_keys, "version": position.version, "ord": position.ord}
    read = await compiled.page.rows(connection, **params, limit=limit + 1)
    clock = read[0]
    rows = [row for row in read if row.version is not None]
    cursors.check_horizon(position, clock.clock_horizon)
    remaining = await compiled.remaining.value(connection, **params) if rows else 0
    has_more = len(rows) > limit
    rows = rows[:limit]
    changes = await changes_for(compiled, connection, actor, caller.units, rows)
    last = cursors.Position(rows[-1].version, rows[-1].ord) if rows else position
    if not has_more:
        last = max(last, cursors.Position(clock.clock_version, cursors.PAST_EVERY_ORD))
    answer = PullResponse(
        cursor=cursors.encode(last, scope_id),
        has_more=has_more,
        last_seq=last_seq,
        server_hlc=runtime.clock.now(),
        changes=changes,
        estimated_total=remaining,
    )
    puts = sum(1 for change in changes if change.op == "put")
    return PulledPage(_ENCODER.encode(answer), puts, len(changes) - puts)


async def changes_for(compiled: Statements, connection: Any, actor, units, rows) -> list[Change]:
    """Each feed row as the change a pull sends (`service.changes_for`, on the driver)."""
    wanted: dict[str, list[UUID]] = {}
    order: dict[tuple[str, UUID], int] = {}
    for index, row in enumerate(rows):
        if row.entity not in RECORDS:
            continue
        order[(row.entity, row.record_id)] = index  # the last mention decides the place
        wanted.setdefault(row.entity, []).append(row.record_id)
    current: dict[tuple[str, UUID], Any] = {}
    for entity, ids in wanted.items():
        statement = compiled.records[entity]
        if compiled.postgresql:
            found = await statement.rows(connection, ids=ids)
        else:
            found = await statement.rows(connection, ids=json.dumps([i.hex for i in ids]))
        for row in found:
            current[(entity, row.id)] = row
    place = Place(units, utcnow())
    changes = []
    for entity, record_id in sorted(order, key=order.__getitem__):
        row = current.get((entity, record_id))
        declared = RECORDS[entity]
        if row is not None and declared.sees(actor, row, place):
            changes.append(Change("put", entity, str(record_id), declared.data(row)))
        else:
            changes.append(Change("delete", entity, str(record_id)))
    return changes
