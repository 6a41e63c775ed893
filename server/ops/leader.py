"""Which process runs the background round: the one holding a lock in (or beside) the database.

PostgreSQL: a session-level advisory lock, taken with pg_try_advisory_lock on a connection of its
own that the leader keeps open; if the process dies or its connection drops, PostgreSQL releases
the lock and another process takes it at its next try. SQLite: an exclusive flock on a file next
to the database, released by the kernel when the process ends.
"""

import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger("doorstep.leader")


def _took_over() -> None:
    log.info("this process now runs the background round", extra={"fields": {"pid": os.getpid()}})


# An arbitrary 64-bit key that names "the Doorstep background round" among advisory locks.
ADVISORY_KEY = 0x646F6F7273746570  # "doorstep"


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


class Leadership:
    """`await ensure()` before each round: true while this process is the leader."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.is_postgres = database_url.startswith("postgresql")
        self._connection: AsyncConnection | None = None
        self._lock_file = None
        # NullPool: closing the connection really closes it, which is what releases the lock.
        self._engine = (
            create_async_engine(database_url, poolclass=NullPool) if self.is_postgres else None
        )

    async def ensure(self) -> bool:
        if not self.is_postgres:
            return self._ensure_file_lock()
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except Exception:
                log.warning("lost the connection that held the leader lock")
                await self._drop()
        connection = await self._engine.connect()
        try:
            got = (
                await connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
                )
            ).scalar_one()
            # The lock belongs to the session, not the transaction: end the transaction so
            # the connection does not sit idle in one.
            await connection.commit()
        except Exception:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        _took_over()
        return True

    def _ensure_file_lock(self) -> bool:
        if self._lock_file is not None:
            return True
        path = sqlite_path(self.database_url)
        lock_file = open(f"{path}.leader", "a+b")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            return False
        self._lock_file = lock_file
        _took_over()
        return True

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:
                log.debug("closing a dead leader connection failed", exc_info=True)

    async def release(self) -> None:
        await self._drop()
        if self._engine is not None:
            await self._engine.dispose()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
