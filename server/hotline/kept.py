"""Rows kept from the requests (the dashboard's day figures, a request's facts), made again in
the transaction that changes what they count: one mechanism for both.

Before each flush, `noted` says what the flush changes (days, requests); it is gathered in
`session.info[key]` and, at the real commit, `recompute` makes those rows again on the
transaction's connection. Only at the real commit: a savepoint's release fires `before_commit`
too, and rows made inside a savepoint that an outer one then rolls back would be lost with what
was noted (and PostgreSQL's advisory locks would be taken mid-transaction, before the next row
lock: a deadlock). What was noted goes with the whole transaction, not with a savepoint rolled
back (what was noted before the savepoint still needs its rows made again; more is harmless).
"""

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from server.db.sessions import ServerSession


def note(session: Session, key: str, changed: Iterable[Any]) -> None:
    """What a write changed (also behind the ORM's back): its rows made again before commit."""
    session.info.setdefault(key, set()).update(changed)


def install(
    name: str,
    key: str,
    noted: Callable[[Session], set],
    recompute: Callable[[Connection, set], None],
) -> None:
    """Keep one kind of rows: `noted` reads a session about to flush, `recompute` makes the
    rows of what was noted. Installed once a process (a second call changes nothing)."""

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        if isinstance(session, ServerSession) and (changed := noted(session)):
            note(session, key, changed)

    def before_commit(session: Session) -> None:
        if not isinstance(session, ServerSession) or session.in_nested_transaction():
            return
        session.flush()
        changed = session.info.pop(key, None)
        if changed:
            recompute(session.connection(), changed)

    def after_transaction_end(session: Session, transaction: Any) -> None:
        if isinstance(session, ServerSession) and transaction.parent is None:
            session.info.pop(key, None)

    if key in _INSTALLED:
        return
    _INSTALLED.add(key)
    event.listen(ServerSession, "before_flush", before_flush)
    event.listen(ServerSession, "before_commit", before_commit)
    event.listen(ServerSession, "after_transaction_end", after_transaction_end)
    ServerSession.attach(name)


_INSTALLED: set[str] = set()
