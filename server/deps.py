"""Dependencies every handler may ask for: the runtime, the transaction, the caller; and the
one set of aliases handlers name them by (`db_session: Session`, `principal: Caller`, …).

Litestar injects a dependency by the parameter's name; the alias only says its type. Every
route module takes these aliases from here, except those of `server/auth` and `server/org`:
this module stands on them (it checks the caller's token), so importing it there would be an
import cycle (`tests/test_architecture.py`); they write `NamedDependency[…]` out. So does the
pull's route for its lean caller (`server/sync/lean.py`), which this module may not import.
"""

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.service import Principal, authenticate
from server.clock import utcnow
from server.db.transaction import provide_transaction
from server.runtime import Runtime
from shared.permissions import Actor

Session = NamedDependency[AsyncSession]  # `db_session`: the request's one transaction
Runtime_ = NamedDependency[Runtime]  # `runtime`: what the running server holds
Caller = NamedDependency[Principal]  # `principal`: the API's caller, from the bearer token
Actor_ = NamedDependency[Actor]  # `actor`: the caller as the permission rules see it
Viewer = NamedDependency[Principal]  # `viewer`: the person signed in to the console (cookie)


async def provide_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def provide_principal(request: Request, db_session: Session, runtime: Runtime_) -> Principal:
    return await authenticate(db_session, runtime, request.headers.get("authorization"), utcnow())


async def provide_actor(principal: Caller) -> Actor:
    """The caller as the permission rules see it; for handlers that need nothing more."""
    return principal.actor


DEPENDENCIES = {
    "runtime": Provide(provide_runtime),
    "db_session": Provide(provide_transaction),
    "principal": Provide(provide_principal),
    "actor": Provide(provide_actor),
}
