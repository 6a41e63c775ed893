"""HTTP: push and pull, per the contract's sync protocol."""

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from server.deps import Runtime_
from server.errors import ProblemError
from server.sync import lean, lean_push
from server.sync.cursor import CURSOR_PATTERN, MAX_CURSOR_LENGTH
from server.sync.gate import sync_gate
from shared import protocol
from shared.protocol import PullResponse, PushResponse


@post(
    "/api/v1/sync/push",
    tags=["sync"],
    status_code=200,
    middleware=[sync_gate],
    summary="Apply a batch of the device's mutations, each exactly once",
)
async def push(request: Request, runtime: Runtime_) -> PushResponse:
    # A push of check-ins on the driver's own connection, any other on the ORM; the token,
    # the standing and the body are checked first, in that order (server/sync/lean_push.py).
    body = await request.body()
    return await lean_push.push(runtime, request.headers.get("authorization"), body)


@get(
    "/api/v1/sync/pull",
    tags=["sync"],
    middleware=[sync_gate],
    # The lean path (server/sync/lean.py): no transaction, no ORM; the caller's token and
    # standing are checked by this dependency, before the query is looked at, as elsewhere.
    dependencies={"caller": Provide(lean.provide_caller)},
    summary="The changes in the caller's scope after a cursor, a page at a time",
)
async def pull(
    # The caller alone (its runtime with it): two dependencies would be resolved in a task
    # group of their own, a tenth of an empty pull's CPU.
    caller: NamedDependency[lean.Caller],
    cursor: Annotated[
        str | None,
        QueryParameter(
            description="from the previous pull; none = start",
            max_length=MAX_CURSOR_LENGTH,
            pattern=CURSOR_PATTERN,
        ),
    ] = None,
    limit: Annotated[
        int, QueryParameter(ge=1, le=protocol.MAX_PULL_LIMIT)
    ] = protocol.DEFAULT_PULL_LIMIT,
    protocol_version: Annotated[int, QueryParameter(name="protocol")] = protocol.PROTOCOL_VERSION,
) -> Response[PullResponse]:
    if protocol_version != protocol.PROTOCOL_VERSION:
        raise ProblemError(
            426,
            "unsupported_protocol",
            "This app speaks an old sync protocol. Please update the app.",
        )
    # From the read replica when one is configured (server/sync/replica.py).
    return await lean.pull(caller.runtime, caller, cursor, limit)


ROUTES = [push, pull]
