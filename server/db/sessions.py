"""Sessions as the server opens them: one session class for all, a maker that writes and one
that only reads, sharing per-process state. What happens at flush and commit (change capture,
the audit, the org-tree cache) is attached to `ServerSession` by the packages that own it; the
db layer knows none of them."""

from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from server.db.engine import READ_ONLY, create_engine_for, read_only, sessions_for

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


def session_factories(
    engine: AsyncEngine, timezone: str | None = None
) -> tuple[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]]:
    """Sessions that write, and sessions that only read (deferred on SQLite, so they never
    wait for a writer; a flush in one is an error). Both share one `process` dict (its owners
    keep their caches there: the org tree's) and know the district's time zone (a fund's year
    is a local calendar year)."""
    missing = [name for name in REQUIRED_HOOKS if name not in ServerSession.attached]
    if missing:
        raise RuntimeError(f"sessions without {', '.join(missing)}: import server.feed first")
    process: dict[str, Any] = {}
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
