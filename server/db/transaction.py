"""One transaction per request: the handler's session commits when the handler returns."""

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from typing import Any

from litestar import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import ProblemError

READING_METHODS = frozenset({"GET", "HEAD"})


async def provide_transaction(request: Request) -> AsyncGenerator[AsyncSession, None]:
    """Commits after the response body is built and before it is sent; rolls back on any error."""
    runtime = request.app.state.runtime
    reads_only = request.method in READING_METHODS and runtime.read_sessions is not None
    async with transaction(runtime, reads_only) as session:
        yield session


@asynccontextmanager
async def transaction(runtime: Any, reads_only: bool = False) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that commits when the block ends and rolls back on any
    error; a write waits for the process's write gate (SQLite's one writer). `runtime`: the
    process's `server.runtime.Runtime` (which this layer does not import)."""
    gate = None if reads_only else runtime.write_gate
    async with gate or nullcontext():
        async with (runtime.read_sessions if reads_only else runtime.sessions)() as session:
            try:
                async with session.begin():
                    yield session
            except IntegrityError as exc:
                detail = "The change conflicts with existing data."
                raise ProblemError(409, "conflict", detail) from exc
