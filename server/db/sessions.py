"""Sessions as the server opens them: one session class for all, a maker that writes and one
that only reads, sharing per-process state. What happens at flush and commit (change capture,
the audit, the org-tree cache) is attached to `ServerSession` by the packages that own it; the
db layer knows none of them."""

from typing import Any, ClassVar

from sqlalchemy import String, event, inspect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from server.db.engine import READ_ONLY, create_engine_for, read_only, sessions_for
from server.errors import ProblemError

__all__ = ["ServerSession", "create_engine_for", "session_factories", "session_factory"]

# Hooks without which a server must not open a session: a server that wrote without change
# capture would never send those writes to any phone, and say nothing.
REQUIRED_HOOKS = ("change capture",)


class ServerSession(Session):
    """The session class behind every AsyncSession the server opens."""

    # The names of the hooks attached so far (`attach`), checked when sessions are made.
    attached: ClassVar[set[str]] = set()

    @classmethod
    def attach(cls, name: str) -> None:
        cls.attached.add(name)


class TooLong(ProblemError):
    """A text longer than its column: 400 over HTTP; in a push, that mutation is rejected."""

    def __init__(self, column: str, length: int) -> None:
        super().__init__(400, "invalid_request", f"{column} may be at most {length} characters.")


_BOUNDED: dict[type, tuple[tuple[str, str, int], ...]] = {}


def text_length(kind: Any) -> int | None:
    """The length bound of a text column's type (SQLModel's AutoString wraps a String)."""
    for candidate in (kind, getattr(kind, "impl", None)):
        if isinstance(candidate, String) and candidate.length:
            return candidate.length
    return None


def _bounded_columns(cls: type) -> tuple[tuple[str, str, int], ...]:
    """(attribute, column, length) of every length-bounded text column of a mapped class."""
    found = _BOUNDED.get(cls)
    if found is None:
        mapper = inspect(cls)
        found = tuple(
            (attr.key, column.name, length)
            for attr in mapper.column_attrs
            for column in attr.columns
            if (length := text_length(column.type))
        )
        _BOUNDED[cls] = found
    return found


def _check_lengths(session: Session, _context: Any, _instances: Any) -> None:
    """Every text bounded by its column, checked before the database sees it: PostgreSQL
    would refuse a longer one with an error (a 500), SQLite would keep it whole. A body's own
    bounds say the same earlier, in the API's words; this is the floor under all of them."""
    for obj in (*session.new, *session.dirty):
        for attr, column, length in _bounded_columns(type(obj)):
            value = getattr(obj, attr, None)
            if isinstance(value, str) and len(value) > length:
                raise TooLong(column, length)


event.listen(ServerSession, "before_flush", _check_lengths)


def session_factories(
    engine: AsyncEngine, timezone: str | None = None, process: dict[str, Any] | None = None
) -> tuple[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]]:
    """Sessions that write, and sessions that only read (deferred on SQLite, so they never
    wait for a writer; a flush in one is an error). Both share one `process` dict (its owners
    keep their caches there: the org tree's; the server puts its live-update hub in it) and
    know the district's time zone (a fund's year is a local calendar year)."""
    missing = [name for name in REQUIRED_HOOKS if name not in ServerSession.attached]
    if missing:
        raise RuntimeError(f"sessions without {', '.join(missing)}: import server.feed first")
    process = {} if process is None else process
    writes = sessions_for(engine, ServerSession, info={"process": process, "timezone": timezone})
    reads = sessions_for(
        read_only(engine),
        ServerSession,
        info={"process": process, READ_ONLY: True, "timezone": timezone},
    )
    return writes, reads


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that write, with their own process state (tools, tests, benchmarks)."""
    return session_factories(engine)[0]
