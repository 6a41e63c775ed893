"""Change capture: every write to a synced table lands in the feed, in the same transaction.

(The audit entries a transaction collected are written here too, just before commit.)

Before each flush the session notes which synced records (tables declared with
`server.records.declare`) are new, changed or deleted, with the sync keys of their old and new
state, as their declaration computes them. Just before commit it bumps the feed clock (taking
its row lock, held until commit) and writes one feed entry per record and key at that version.
Services cannot forget to publish a change: the session does it. The commit also tells the
live streams of every server process (server/feed/notify.py).

Only the transaction's real commit does this. SQLAlchemy runs its commit hooks when a savepoint
(`begin_nested`) is released too: there nothing is written and no one is told, since a phone
woken then would pull before the commit and find nothing. What a savepoint noted stays noted
until the commit; a savepoint that rolls back takes its notes with it (`_savepoint_began`,
`_rolled_back`), as it takes its rows.

Rows written here go in as Core inserts on the tables (one executemany each), not through the
ORM's bulk path, which would visit every row in Python.
"""

from typing import Any

from sqlalchemy import insert, inspect, update
from sqlalchemy.orm import Session

from server.db.sessions import ServerSession
from server.feed import notify
from server.records import record_of

_NO_VALUE = object()


def _current(obj: Any):
    return lambda name: getattr(obj, name)


def _previous(obj: Any):
    state = inspect(obj)

    def get(name: str) -> Any:
        history = state.attrs[name].history
        if history.deleted:
            return history.deleted[0]
        if history.unchanged:
            return history.unchanged[0]
        return getattr(obj, name)

    return get


def _pending(session: Session) -> dict[tuple[str, Any], set[str]]:
    """(entity, record id) → the feed keys of the changes this transaction made so far."""
    return session.info.setdefault("feed_pending", {})


def snapshot(session: Session) -> dict[tuple[str, Any], set[str]]:
    """A copy of what this transaction has noted so far (to go back to after a savepoint)."""
    return {slot: set(keys) for slot, keys in _pending(session).items()}


def note(session: Session, entity: str, record_id: Any, keys: set[str]) -> None:
    """Note a change written without an ORM object (see server/feed/lookup.append); in the
    lean push's stand-in for a session too (`stages_changes`: server/sync/lean_push.py)."""
    if isinstance(session, ServerSession) or getattr(session, "stages_changes", False):
        _pending(session).setdefault((entity, record_id), set()).update(keys)


class ReadOnlyViolation(RuntimeError):
    """A request that only reads tried to write: a bug, never a client's fault."""


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if not isinstance(session, ServerSession):
        return
    if session.info.get("doorstep_read_only") and (session.new or session.dirty or session.deleted):
        raise ReadOnlyViolation("a read-only request tried to write")
    if any(type(obj).__name__ == "OrgUnit" for obj in (*session.new, *session.dirty)):
        cache = session.info.get("process", {}).get("unit_cache")
        if cache is not None:
            cache.clear()
    for obj in session.new:
        if (record := record_of(type(obj))) is not None:
            note(session, record.entity, obj.id, record.keys(_current(obj)))
    for obj in session.dirty:
        record = record_of(type(obj))
        if record is not None and session.is_modified(obj, include_collections=False):
            keys = record.keys(_previous(obj)) | record.keys(_current(obj))
            note(session, record.entity, obj.id, keys)
    for obj in session.deleted:
        if (record := record_of(type(obj))) is not None:
            note(session, record.entity, obj.id, record.keys(_previous(obj)))


def _before_commit(session: Session) -> None:
    if not isinstance(session, ServerSession) or session.in_nested_transaction():
        return
    session.flush()
    _write_appends(session)
    _write_audit(session)
    pending = changes(session.info)
    if not pending:
        return
    from server.feed.tables import FeedEntry

    version = session.execute(bump()).scalar_one()
    rows = entries(version, pending)
    session.execute(insert(FeedEntry.__table__), rows)
    notify.notify_in_transaction(session, version, {row["key"] for row in rows})


def changes(info: dict[str, Any]) -> dict[tuple[str, Any], set[str]]:
    """What the transaction noted, taken out of `info`; a record in no one's scope has no keys
    (none today; kept for tables that may add one) and is left out."""
    return {slot: keys for slot, keys in info.pop("feed_pending", {}).items() if keys}


def entries(version: int, pending: dict[tuple[str, Any], set[str]]) -> list[dict[str, Any]]:
    """The feed entries of one commit at its version: one per record and key, in the order
    the records were noted."""
    return [
        {"version": version, "ord": ord_, "key": key, "entity": entity, "record_id": record_id}
        for ord_, ((entity, record_id), keys) in enumerate(pending.items())
        for key in sorted(keys)
    ]


def bump() -> Any:
    """The statement that moves the feed clock on by one (its row lock held until commit)
    and returns the new version."""
    from server.feed.tables import FeedClock

    return (
        update(FeedClock)
        .where(FeedClock.id == 1)
        .values(version=FeedClock.version + 1)
        .returning(FeedClock.version)
    )


def _write_appends(session: Session) -> None:
    for table, rows in session.info.pop("append_rows", {}).items():
        if rows:
            session.execute(insert(table.__table__), rows)


def _write_audit(session: Session) -> None:
    from server.audit.tables import AuditEntry

    rows = session.info.pop("audit_pending", None)
    if rows:
        session.execute(insert(AuditEntry.__table__), rows)


def _after_commit(session: Session) -> None:
    if not isinstance(session, ServerSession):
        return
    if session.in_nested_transaction():  # released: what it noted stands; drop its start's copy
        session.info.get("savepoint_notes", {}).pop(session.get_nested_transaction(), None)
    else:
        notify.after_commit(session)


# What a transaction notes before its commit writes it, in `session.info`.
_NOTES = ("feed_pending", "audit_pending", "append_rows")


def _notes(session: Session) -> dict[str, Any]:
    info = session.info
    return {
        "feed_pending": snapshot(session),
        "audit_pending": list(info.get("audit_pending", ())),
        "append_rows": {table: list(rows) for table, rows in info.get("append_rows", {}).items()},
    }


def _savepoint_began(session: Session, transaction: Any) -> None:
    """What was noted when a savepoint began, kept until it is released or rolled back."""
    if isinstance(session, ServerSession) and transaction.nested:
        session.info.setdefault("savepoint_notes", {})[transaction] = _notes(session)


def _rolled_back(session: Session, previous: Any) -> None:
    """A savepoint rolled back: its notes go; the transaction rolled back: all of them."""
    if not isinstance(session, ServerSession):
        return
    noted = session.info.get("savepoint_notes", {}).pop(previous, None)
    if previous.nested and noted is not None:
        session.info.update(noted)
    elif previous.parent is None:
        for key in (*_NOTES, "feed_committed", "savepoint_notes"):
            session.info.pop(key, None)


def install() -> None:
    from sqlalchemy import event

    if not event.contains(ServerSession, "before_flush", _before_flush):
        event.listen(ServerSession, "before_flush", _before_flush)
        event.listen(ServerSession, "before_commit", _before_commit)
        event.listen(ServerSession, "after_commit", _after_commit)
        event.listen(ServerSession, "after_transaction_create", _savepoint_began)
        event.listen(ServerSession, "after_soft_rollback", _rolled_back)
    ServerSession.attach("change capture")


install()
