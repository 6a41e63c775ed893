"""The Litestar application: routes, dependencies, errors, OpenAPI, and the runtime it holds."""

import asyncio
import hashlib
import logging
from pathlib import Path

from litestar import Litestar, Request, Response
from litestar.datastructures import MutableScopeHeaders, State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.routes import HTTPRoute
from litestar.template.config import TemplateConfig
from litestar.types import Message, Scope
from sqlalchemy import select
from sqlalchemy.engine import make_url

from server import __version__
from server.accounts import routes as account_routes
from server.auth import routes as auth_routes
from server.auth.tables import ServerSetting
from server.blobs import routes as blob_routes
from server.bodies import CheckedRequest, refuse_nul_in_query
from server.config import Settings, settings_from_env
from server.conflicts import routes as conflict_routes
from server.console import routes as console_routes
from server.db.sessions import create_engine_for, session_factories
from server.deps import DEPENDENCIES
from server.errors import EXCEPTION_HANDLERS
from server.feed import notify
from server.funds import routes as fund_routes
from server.headers import security_headers
from server.hotline import level_routes, review_routes
from server.hotline import routes as request_routes
from server.mentoring import routes as mentoring_routes
from server.open311 import routes as open311_routes
from server.openapi import OpenAPIJson
from server.ops import background, metrics, probes
from server.ops.compression import compression
from server.ops.http import answer_unrouted, request_context
from server.org import routes as org_routes
from server.organisations import routes as volunteer_routes
from server.plans import routes as plan_routes
from server.public import pages as public_pages
from server.public import routes as public_routes
from server.residents import routes as resident_routes
from server.runtime import Runtime
from server.sync import effects, live, preview_routes, replica
from server.sync import records as synced_records
from server.sync import routes as sync_routes
from server.sync.gate import gate_for
from server.visits import routes as visit_routes
from shared import protocol
from shared.mutations import REGISTRY


async def _token_key(runtime: Runtime) -> bytes:
    if runtime.settings.secret_key:
        return hashlib.sha256(runtime.settings.secret_key.encode()).digest()
    async with runtime.sessions() as session:
        stored = await session.scalar(
            select(ServerSetting.value).where(ServerSetting.key == "token_key")
        )
    if stored is None:
        raise RuntimeError("the database has no token key: run the migrations first")
    return bytes.fromhex(stored)


async def start_runtime(app: Litestar) -> None:
    """Open the database and load the token key; the app's settings were given to create_app."""
    settings: Settings = app.state.settings
    engine = create_engine_for(settings.database_url, settings.database_pooler)
    # LISTEN holds a session: on PostgreSQL it goes to the direct connection, never through a
    # pooler in transaction mode (which would hand its notifications to no one).
    listen_at = (
        make_url(settings.session_database_url) if settings.dialect == "postgresql" else None
    )
    hub = notify.Hub(listen_at)
    process = {"feed_hub": hub}
    writes, reads = session_factories(engine, settings.timezone, process=process)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=writes,
        read_sessions=reads,
        write_gate=asyncio.Lock() if settings.dialect == "sqlite" else None,
        sync_gate=gate_for(settings),
        live=hub,
        pull_reader=_pull_reader(settings, process),
    )
    runtime.token_key = await _token_key(runtime)
    app.state.runtime = runtime
    app.state.background = background.start(runtime)


async def stop_runtime(app: Litestar) -> None:
    task = app.state.get("background")
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    runtime: Runtime | None = app.state.get("runtime")
    if runtime is not None:
        await runtime.live.stop()
        await runtime.engine.dispose()
        if runtime.pull_reader is not None:
            await runtime.pull_reader.engine.dispose()


def _pull_reader(settings: Settings, process: dict) -> replica.PullReader | None:
    """The streaming replica pulls read from (DOORSTEP_READ_DATABASE_URL), if there is one;
    its sessions share the process's caches with the primary's."""
    if not settings.read_database_url:
        return None
    engine = create_engine_for(
        settings.read_database_url, connect_timeout_s=replica.CONNECT_TIMEOUT_S
    )
    reads = session_factories(engine, settings.timezone, process=process)[1]
    return replica.PullReader(engine, reads)


async def allow_every_method(message: Message, scope: Scope) -> None:
    """Litestar 2 writes a path's OPTIONS answer when the path's first handler is registered,
    so its `Allow` named only that handler's methods (litestar#4169, fixed in Litestar 3):
    the answer names every method of the route instead."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    template = scope.get("path_template")
    for route in scope["app"].routes:
        if isinstance(route, HTTPRoute) and route.path_format == template:
            MutableScopeHeaders.from_message(message)["allow"] = ", ".join(sorted(route.methods))
            return


def _unrouted_by_door(handlers: dict) -> dict:
    """What no route matched (404, 405) is answered the way its door answers: a page under
    /public/, the spec's error list under /open311/, problem+json everywhere else."""
    api = handlers[HTTPException]

    def on_http(request: Request, exc: HTTPException) -> Response:
        path = request.url.path
        if path == "/public" or path.startswith("/public/"):
            return public_pages.to_error_page(request, exc)
        if path.startswith("/open311/"):
            return open311_routes.spec_error(request, exc)
        return api(request, exc)

    return {**handlers, HTTPException: on_http}


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or settings_from_env()
    incomplete = effects.missing_parts(REGISTRY, effects.EFFECTS)
    incomplete += [
        f"synced record {p}" for p in synced_records.missing_parts(synced_records.RECORDS)
    ]
    if incomplete:
        raise RuntimeError("declared incompletely: " + "; ".join(incomplete))

    return Litestar(
        route_handlers=[
            *probes.ROUTES,
            *auth_routes.ROUTES,
            *account_routes.ROUTES,
            *conflict_routes.ROUTES,
            *preview_routes.ROUTES,
            *sync_routes.ROUTES,
            *live.ROUTES,
            *blob_routes.ROUTES,
            *resident_routes.ROUTES,
            *visit_routes.ROUTES,
            *request_routes.ROUTES,
            *level_routes.ROUTES,
            *review_routes.ROUTES,
            *plan_routes.ROUTES,
            *mentoring_routes.ROUTES,
            *console_routes.ROUTES,
            *org_routes.ROUTES,
            *public_routes.ROUTES,
            *public_pages.ROUTES,
            *open311_routes.ROUTES,
            *fund_routes.ROUTES,
            *volunteer_routes.ROUTES,
            metrics.metrics,
        ],
        middleware=[request_context, security_headers, compression],
        before_send=[answer_unrouted, allow_every_method],
        after_request=metrics.count_sync_answers,
        dependencies=DEPENDENCIES,
        request_class=CheckedRequest,
        before_request=refuse_nul_in_query,
        exception_handlers=console_routes.pages_under_console(
            _unrouted_by_door(EXCEPTION_HANDLERS)
        ),
        on_startup=[start_runtime],
        on_shutdown=[stop_runtime],
        # A push may be 1 MiB; the sync service answers 413 itself above that.
        request_max_body_size=2 * protocol.MAX_PUSH_BYTES,
        template_config=TemplateConfig(
            directory=[
                Path(__file__).resolve().parent / "console" / "templates",
                Path(__file__).resolve().parent / "public" / "templates",
            ],
            engine=JinjaTemplateEngine,
        ),
        openapi_config=OpenAPIConfig(
            title="Doorstep API",
            version=__version__,
            description="Offline-first field work and the district hotline. "
            "Errors are RFC 9457 problem details with a `code`.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(), OpenAPIJson()],
        ),
        logging_config=None,
        debug=False,
        state=State({"settings": settings}),
    )


logging.getLogger("doorstep").setLevel(logging.INFO)
