"""One transaction per request: the handler's session commits when the handler returns."""

from collections.abc import AsyncGenerator
from contextlib import nullcontext

from litestar import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import ProblemError

READING_METHODS = frozenset({"GET", "HEAD"})


async def provide_transaction(request: Request) -> AsyncGenerator[AsyncSession, None]:
    """Commits after the response body is built and before it is sent; rolls back on any error."""
    runtime = request.app.state.runtime
    reads_only = request.method in READING_METHODS and runtime.read_sessions is not None
    gate = None if reads_only else runtime.write_gate
    async with gate or nullcontext():
        async with (runtime.read_sessions if reads_only else runtime.sessions)() as session:
            try:
                async with session.begin():
                    yield session
            except IntegrityError as exc:
                detail = "The change conflicts with existing data."
                raise ProblemError(409, "conflict", detail) from exc
