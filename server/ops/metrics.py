"""Prometheus metrics: what each process counts, and `GET /metrics` for the scraper.

With several processes (`run --workers N`) the CLI sets PROMETHEUS_MULTIPROC_DIR before the
workers start; each then writes its counters to files there and /metrics sums them, so any
process answers for all. Figures read from the database (the feed) are taken at scrape time.
"""

import asyncio
import hmac
import ipaddress
import os

from litestar import Request, Response, get
from litestar.datastructures import State
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import text

from server.errors import ProblemError
from server.runtime import Runtime
from server.sync.lean import PulledPage
from shared.protocol import PullResponse, PushResponse

HTTP_REQUESTS = Counter(
    "doorstep_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "doorstep_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SYNC_MUTATIONS = Counter(
    "doorstep_sync_mutations_total",
    "Mutations answered by push, by outcome (applied, duplicate, rejected)",
    ["status"],
)
SYNC_PULL_CHANGES = Counter(
    "doorstep_sync_pull_changes_total", "Changes sent to phones by pull, by op", ["op"]
)
ESCALATIONS = Counter("doorstep_escalations_total", "Overdue hotline requests escalated")
LOGIN_FAILURES = Counter(
    "doorstep_login_failures_total",
    "Refused logins, by reason (unauthorized, device_revoked, rate_limited)",
    ["reason"],
)
BACKGROUND_ROUNDS = Counter(
    "doorstep_background_rounds_total",
    "Background rounds run by the leader, by outcome (ok, failed)",
    ["outcome"],
)
FEED_COMPACTED = Counter(
    "doorstep_feed_compacted_entries_total", "Feed entries removed by compaction"
)

FIGURES_TIMEOUT_S = 2.0
_LOGIN_PATH = "/api/v1/auth/login"
_LOGIN_REFUSALS = {401: "unauthorized", 403: "device_revoked", 429: "rate_limited"}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_DURATION.labels(method, route).observe(seconds)
    if route == _LOGIN_PATH and status in _LOGIN_REFUSALS:
        LOGIN_FAILURES.labels(_LOGIN_REFUSALS[status]).inc()


async def count_sync_answers(response: Response) -> Response:
    """An after_request hook: counts what push and pull answered, from their typed answers."""
    # A file's answer (the static files) is an ASGI response with no typed content.
    content = getattr(response, "content", None)
    if isinstance(content, PushResponse):
        for result in content.results:
            SYNC_MUTATIONS.labels(result.status).inc()
    elif isinstance(content, PullResponse):
        for change in content.changes:
            SYNC_PULL_CHANGES.labels(change.op).inc()
    elif isinstance(response, PulledPage):  # the lean pull's answer, encoded already
        for op, count in (("put", response.puts), ("delete", response.deletes)):
            if count:
                SYNC_PULL_CHANGES.labels(op).inc(count)
    return response


# Prometheus' text exposition format. Written without a charset: the framework adds its one
# `charset=utf-8` to every text answer (a second one made Prometheus 3 refuse the scrape).
TEXT_FORMAT = "text/plain; version=0.0.4"


def _database_registry(up: bool) -> CollectorRegistry:
    registry = CollectorRegistry()
    Gauge(
        "doorstep_database_up",
        "1 when this process reached its database at this scrape, 0 when it did not",
        registry=registry,
    ).set(1 if up else 0)
    return registry


def _feed_registry(version: int, horizon: int, entries: int) -> CollectorRegistry:
    registry = CollectorRegistry()
    Gauge("doorstep_feed_version", "The feed clock: versions handed out", registry=registry).set(
        version
    )
    Gauge("doorstep_feed_horizon", "Cursors below this version get 410", registry=registry).set(
        horizon
    )
    Gauge(
        "doorstep_feed_entries",
        "Rows in the change feed (an estimate on PostgreSQL)",
        registry=registry,
    ).set(entries)
    return registry


async def _feed_figures(runtime: Runtime) -> tuple[int, int, int]:
    async with runtime.sessions() as session:
        version, horizon = (
            await session.execute(text("SELECT version, horizon FROM feed_clock WHERE id = 1"))
        ).one()
        entries = -1
        if runtime.settings.dialect == "postgresql":
            # Counting a city's feed on every scrape would cost seconds; the planner's figure
            # is kept fresh by autovacuum.
            entries = await session.scalar(
                text("SELECT reltuples::bigint FROM pg_class WHERE relname = 'feed_entry'")
            )
        if entries is None or entries < 0:
            entries = await session.scalar(text("SELECT count(*) FROM feed_entry"))
    return version, horizon, entries


def _from_loopback(request: Request) -> bool:
    # A request relayed by a reverse proxy on this machine arrives from loopback too; the
    # proxy's forwarding headers tell it apart from a scraper on the machine itself.
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _has_token(request: Request, token: str | None) -> bool:
    given = request.headers.get("authorization", "")
    if not token or not given.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(given[7:].strip().encode(), token.encode())


@get("/metrics", include_in_schema=False)
async def metrics(request: Request, state: State) -> Response:
    runtime: Runtime = state.runtime
    if not (_from_loopback(request) or _has_token(request, runtime.settings.metrics_token)):
        raise ProblemError(
            403, "forbidden", "Metrics are served to this machine or with the metrics token."
        )
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry)
    try:
        # The feed's figures come from the database; without it the rest is still answered,
        # so alerting sees the outage (doorstep_database_up 0) instead of a failed scrape.
        figures = await asyncio.wait_for(_feed_figures(runtime), FIGURES_TIMEOUT_S)
    except Exception:
        body += generate_latest(_database_registry(False))
    else:
        body += generate_latest(_database_registry(True)) + generate_latest(
            _feed_registry(*figures)
        )
    return Response(body, media_type=TEXT_FORMAT, status_code=200)
