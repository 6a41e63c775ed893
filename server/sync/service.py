"""Push (apply a phone's mutations exactly once) and pull (the feed of the phone's scope)."""

import logging
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.service import Principal
from server.auth.tables import Device, MutationLog
from server.blobs import proof as proofs
from server.blobs import scope as blob_scope
from server.bodies import check_json_text, integral
from server.clock import utcnow
from server.db.sessions import TooLong
from server.errors import ProblemError, Refusal
from server.feed import lookup
from server.feed.lookup import forget_batch
from server.org.service import all_units
from server.records import Place
from server.runtime import Runtime
from server.sync import cursor as cursors
from server.sync import effects, feed_query, scope
from server.sync.records import RECORDS
from shared import hlc, protocol
from shared import mutations as m
from shared.permissions import may_send
from shared.protocol import (
    Change,
    MutationError,
    MutationResult,
    PullResponse,
    PushRequest,
    PushResponse,
)

log = logging.getLogger("doorstep.sync")

# entity → table, of every synced record (from the declarations)
TABLES: dict[str, type] = {entity: record.table for entity, record in RECORDS.items()}


def parse_push(body: bytes) -> PushRequest:
    """The push envelope, checked in the order the contract gives its errors."""
    if len(body) > protocol.MAX_PUSH_BYTES:
        raise ProblemError(413, "payload_too_large", "A push may carry at most 1 MiB.")
    check_json_text(body)  # whatever content type it came with
    try:
        raw = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise ProblemError(400, "invalid_request", "The body is not JSON.") from exc
    if not isinstance(raw, dict):
        raise ProblemError(400, "invalid_request", "The body must be a JSON object.")
    if raw.get("protocol") != protocol.PROTOCOL_VERSION:
        raise ProblemError(
            426,
            "unsupported_protocol",
            "This app speaks an old sync protocol. Please update the app.",
            supported=[protocol.PROTOCOL_VERSION],
        )
    mutations = raw.get("mutations")
    if isinstance(mutations, list) and len(mutations) > protocol.MAX_MUTATIONS_PER_PUSH:
        raise ProblemError(413, "payload_too_large", "A push may carry at most 500 mutations.")
    try:
        request = msgspec.convert(_envelope_integers(raw), PushRequest)
    except msgspec.ValidationError as exc:
        raise ProblemError(400, "invalid_request", f"Not a push request: {exc}") from exc
    seqs = [mutation.seq for mutation in request.mutations]
    if seqs and seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        # Well-formed (a schema cannot say it), but no phone numbers its outbox so.
        raise ProblemError(422, "invalid_request", "Seqs in a batch must be consecutive.")
    return request


def _envelope_integers(raw: dict) -> dict:
    """JSON Schema's one leniency in the envelope: a seq of 413.0 is the integer 413. The
    mutations' arguments are left exactly as sent (a device signature covers them)."""
    mutations = raw.get("mutations")
    if not isinstance(mutations, list):
        return raw
    return {
        **raw,
        "mutations": [
            {**m, "seq": integral(m["seq"])} if isinstance(m, dict) and "seq" in m else m
            for m in mutations
        ],
    }


def _rejected(seq: int, code: str, message: str) -> MutationResult:
    return MutationResult(seq, "rejected", MutationError(code, message))


async def push(
    session: AsyncSession, runtime: Runtime, principal: Principal, request: PushRequest
) -> PushResponse:
    if request.device_id != str(principal.actor.device_id):
        raise ProblemError(403, "forbidden", "The push names another device than the token's.")
    # Lock the device row: two pushes of one device apply one after the other.
    device = await session.scalar(
        select(Device).where(Device.id == principal.actor.device_id).with_for_update()
    )
    applied_up_to = device.last_seq
    fresh = [mutation for mutation in request.mutations if mutation.seq > applied_up_to]
    if fresh and fresh[0].seq != applied_up_to + 1:
        raise ProblemError(
            409, "seq_gap", f"Expected seq {applied_up_to + 1} next.", expected=applied_up_to + 1
        )
    # Photos and signatures first: a batch naming a blob not held complete applies nothing.
    await proofs.refuse_missing_blobs(
        session,
        fresh,
        principal.actor.user_id,
        lambda sha256: blob_scope.named_in_scope(session, principal.actor, sha256),
    )
    session.info["device_public_key"] = device.public_key
    earlier = await _earlier_rejections(session, device.id, request.mutations, applied_up_to)
    results = {
        m.seq: MutationResult(m.seq, "duplicate", earlier.get(m.seq))
        for m in request.mutations
        if m.seq <= applied_up_to
    }
    if fresh:
        batch = _Batch(session, runtime, principal, device)
        try:
            # Fast path: the whole batch under one savepoint. Every rule refuses before it
            # writes, so a rejected mutation leaves nothing behind and needs no savepoint.
            async with session.begin_nested():
                await batch.prefetch(fresh)
                results.update(await batch.apply(fresh, careful=False))
                await lookup.write_appends(session)  # inside: a failure here falls back too
        except Exception:
            # Something unforeseen (a bug, a constraint): redo the batch one savepoint per
            # mutation, so that one bad mutation is rejected and never blocks the outbox.
            log.exception("push batch failed; retrying mutation by mutation")
            await batch.reset()
            results.update(await batch.apply(fresh, careful=True))
    device.last_seen_at = utcnow()
    return PushResponse(device.last_seq, [results[m.seq] for m in request.mutations])


class _Batch:
    """Applying a push's new mutations, and journaling each outcome."""

    def __init__(self, session: AsyncSession, runtime: Runtime, principal: Principal, device):
        self.session, self.runtime, self.principal, self.device = (
            session,
            runtime,
            principal,
            device,
        )
        self.device_id = device.id

    async def reset(self) -> None:
        """After a savepoint rolled back. What it noted for the feed and the audit went with
        it (server/feed/capture.py); what was prefetched or added may no longer hold."""
        forget_batch(self.session)
        await self.session.refresh(self.device)  # the rollback expired it

    async def prefetch(self, mutations) -> None:
        """The rows the batch will read, one query per table (`wanted_ids`)."""
        for entity, wanted in wanted_ids(mutations).items():
            await lookup.prefetch(self.session, TABLES[entity], wanted)

    async def apply(self, mutations, careful: bool) -> dict[int, MutationResult]:
        results: dict[int, MutationResult] = {}
        journal: list[dict] = []
        for mutation in mutations:
            if careful:
                result, stamp = await self._apply_alone(mutation)
            else:
                result, stamp = await apply_one(
                    self.session, self.runtime, self.principal, mutation
                )
            results[mutation.seq] = result
            journal.append(journal_row(self.device_id, mutation, result, stamp))
            self.device.last_seq = mutation.seq
        await self.session.execute(insert(MutationLog.__table__), journal)
        return results

    async def _apply_alone(self, mutation) -> tuple[MutationResult, str]:
        self.session.info["write_now"] = True  # appends inside this savepoint, not at commit
        try:
            async with self.session.begin_nested():
                return await apply_one(self.session, self.runtime, self.principal, mutation)
        except TooLong as exc:
            await self.reset()
            return _rejected(mutation.seq, "invalid_args", exc.detail), ""
        except Exception:
            log.exception("mutation %s of device %s failed", mutation.seq, self.device_id)
            await self.reset()
            message = "The server could not apply this change. Support has been notified."
            return _rejected(mutation.seq, "internal_error", message), ""
        finally:
            self.session.info.pop("write_now", None)


def journal_row(device_id: UUID, mutation, result: MutationResult, stamp: str) -> dict:
    """The mutation log's row of one mutation's outcome."""
    return {
        "device_id": device_id,
        "seq": mutation.seq,
        "name": mutation.name[:60],
        "status": result.status,
        "stamp": stamp,
        "at": utcnow(),
        "error_code": result.error.code if result.error else None,
        "error_message": result.error.message if result.error else None,
    }


def wanted_ids(mutations) -> dict[str, set[UUID]]:
    """The rows a batch will read, by entity: the residents, visits and people its arguments
    name, and the records its ids name (the registry says which entity)."""
    ids: dict[str, set[UUID]] = {}
    for mutation in mutations:
        args = mutation.args if isinstance(mutation.args, dict) else {}
        for key, entity in (
            ("resident_id", "resident"),
            ("visit_id", "visit"),
            ("assignee_id", "user"),
        ):
            if (value := _uuid(args.get(key))) is not None:
                ids.setdefault(entity, set()).add(value)
        spec = m.REGISTRY.get(mutation.name)
        if spec is not None and spec.record and (value := _uuid(args.get("id"))):
            ids.setdefault(spec.record, set()).add(value)
    return ids


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value)) if value is not None else None
    except ValueError:
        return None


async def _earlier_rejections(session, device_id, mutations, applied_up_to) -> dict:
    seqs = [m.seq for m in mutations if m.seq <= applied_up_to]
    if not seqs:
        return {}
    rows = await session.execute(
        select(MutationLog.seq, MutationLog.error_code, MutationLog.error_message).where(
            MutationLog.device_id == device_id,
            MutationLog.seq.in_(seqs),
            MutationLog.status == "rejected",
        )
    )
    return {seq: MutationError(code, message) for seq, code, message in rows}


async def apply_one(session, runtime, principal, mutation) -> tuple[MutationResult, str]:
    """The result of one mutation, and the clock stamp the server credited it with."""
    effect = effects.effect_for(mutation.name)
    if effect is None:
        message = f"This server does not know the change {mutation.name!r}."
        return _rejected(mutation.seq, "unknown_mutation", message), ""
    if not may_send(principal.actor.role, mutation.name):
        message = "Your role may not make this change."
        return _rejected(mutation.seq, "forbidden", message), ""
    try:
        args = m.parse_args(mutation.name, mutation.args)
    except m.InvalidArgs as exc:
        return _rejected(mutation.seq, "invalid_args", f"The change is malformed: {exc}"), ""
    if not hlc.is_valid(mutation.hlc):
        message = "The change carries no valid clock stamp."
        return _rejected(mutation.seq, "invalid_hlc", message), ""
    stamp = hlc.clamp(mutation.hlc, runtime.clock)
    try:
        proofs.check_signature(
            session, session.info.get("device_public_key"), mutation.name, mutation.args
        )
        conflicts = await effect(session, principal.actor, args, stamp)
    except Refusal as refusal:
        # Every rule refuses before its mutation writes anything: nothing to undo.
        return _rejected(mutation.seq, refusal.code, refusal.message), stamp
    return MutationResult(mutation.seq, "applied", conflicts=conflicts), stamp


async def pull(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    cursor: str | None,
    limit: int,
    last_seq: int | None = None,
) -> PullResponse:
    """The page after `cursor`. `last_seq`, when given, was read in `session` before the
    feed (a replica's: server/sync/replica.py); else the one read with the caller's standing."""
    actor = principal.actor
    units = await all_units(session)
    keys = scope.feed_keys(actor, units)
    scope_id = scope.fingerprint(keys)
    # last_seq was read before the feed: every mutation it covers is then in what we read.
    last_seq = principal.last_seq if last_seq is None else last_seq
    position = cursors.decode(cursor, scope_id, 0)
    read = await feed_query.page(session, keys, position.version, position.ord, limit + 1)
    # The horizon as the page saw it: below it, entries the cursor needs may be gone.
    cursors.check_horizon(position, read.clock_horizon)
    rows, remaining = read.rows, read.remaining
    has_more = len(rows) > limit
    rows = rows[:limit]
    changes = await changes_for(session, actor, units, rows)
    last = cursors.Position(rows[-1].version, rows[-1].ord) if rows else position
    if not has_more:
        # Nothing more in scope up to the feed version the page saw: every entry at or below
        # it was committed then (on a replica: replayed), so the cursor may pass it. An idle
        # phone's cursor thus keeps up with the feed, and compaction never sends it back to
        # the start.
        last = max(last, cursors.Position(read.clock_version, cursors.PAST_EVERY_ORD))
    return PullResponse(
        cursor=cursors.encode(last, scope_id),
        has_more=has_more,
        last_seq=last_seq,
        server_hlc=runtime.clock.now(),
        changes=changes,
        estimated_total=remaining,
    )


async def changes_for(session: AsyncSession, actor, units, rows) -> list[Change]:
    """Each feed row as the change a pull sends: the record as it is now if its declaration's
    scope rule says the actor holds it, a delete otherwise. An entity without a declaration
    sends nothing (deny by default)."""
    wanted: dict[str, list[UUID]] = {}
    order: dict[tuple[str, UUID], int] = {}
    for index, row in enumerate(rows):
        if row.entity not in RECORDS:
            continue
        order[(row.entity, row.record_id)] = index  # the last mention decides the place
        wanted.setdefault(row.entity, []).append(row.record_id)
    # The records as plain rows (no ORM objects): a row has the same attributes, so the
    # scope rules and each declaration's `data` read it as they would read the object.
    current: dict[tuple[str, UUID], Any] = {}
    connection = await session.connection()
    for entity, ids in wanted.items():
        table = RECORDS[entity].table.__table__
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            for row in await connection.execute(select(table).where(table.c.id.in_(chunk))):
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
