"""What load balancers and orchestrators ask: is the process alive (`/health`), and can it
serve (`/ready`: the database answers within a bound and its schema is at this code's latest
migration). `/health` never touches the database, so a database outage never restarts a
healthy process; `/ready` takes the process out of rotation until the database is back."""

import asyncio
from functools import cache
from typing import Literal

import msgspec
from alembic.script import ScriptDirectory
from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text

from server import __version__
from server.db.migrate import alembic_config
from server.errors import problem_response
from server.runtime import Runtime

READY_TIMEOUT_S = 2.0


class HealthPublic(msgspec.Struct):
    """The server is up, and which database is behind it."""

    status: Literal["ok"]  # always "ok" when the server answers
    database: Literal["sqlite", "postgresql"]  # the kind of database the server uses
    version: str  # the server's version


class ReadyPublic(msgspec.Struct):
    """The server can serve: its database answered and holds this code's schema."""

    status: Literal["ready"]  # always "ready" with a 200
    database: Literal["sqlite", "postgresql"]  # the kind of database the server uses
    schema: str  # the schema's migration, the latest this code knows


@cache
def latest_migration() -> str:
    """The head of the migration chain shipped with this code."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


async def schema_revision(runtime: Runtime) -> str | None:
    """The database's migration, read in one short round trip (None: none recorded)."""
    async with runtime.engine.connect() as connection:
        return await connection.scalar(text("SELECT version_num FROM alembic_version"))


@get("/health", tags=["meta"], summary="Liveness and which database is behind it")
async def health(state: State) -> HealthPublic:
    runtime: Runtime = state.runtime
    return HealthPublic(status="ok", database=runtime.settings.dialect, version=__version__)


@get(
    "/ready",
    tags=["meta"],
    summary="Readiness: the database answers and its schema is at the latest migration",
    description="200 when the server can serve; 503 `not_ready` (with what is wrong) when the "
    "database does not answer within 2 seconds or its schema is not this code's latest "
    "migration.",
)
async def ready(state: State) -> Response[ReadyPublic]:
    runtime: Runtime = state.runtime
    try:
        found = await asyncio.wait_for(schema_revision(runtime), READY_TIMEOUT_S)
    except TimeoutError:
        return problem_response(503, "not_ready", "The database did not answer in time.")
    except Exception:  # any failure to reach it: the process stays alive, out of rotation
        return problem_response(503, "not_ready", "The database cannot be reached.")
    if found != latest_migration():
        return problem_response(
            503,
            "not_ready",
            f"The database's schema is at {found or 'nothing'}, not {latest_migration()}: "
            "run the migrations.",
        )
    body = ReadyPublic(status="ready", database=runtime.settings.dialect, schema=found)
    return Response(body, status_code=200)


ROUTES = [health, ready]
