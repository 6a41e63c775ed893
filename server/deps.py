"""Dependencies every handler may ask for: the runtime, the transaction, the caller."""

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.service import Principal, authenticate
from server.db.transaction import provide_transaction
from server.db.types import utcnow
from server.runtime import Runtime
from shared.permissions import Actor


async def provide_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def provide_principal(
    request: Request, db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> Principal:
    return await authenticate(db_session, runtime, request.headers.get("authorization"), utcnow())


async def provide_actor(principal: NamedDependency[Principal]) -> Actor:
    """The caller as the permission rules see it; for handlers that need nothing more."""
    return principal.actor


DEPENDENCIES = {
    "runtime": Provide(provide_runtime),
    "db_session": Provide(provide_transaction),
    "principal": Provide(provide_principal),
    "actor": Provide(provide_actor),
}
