"""HTTP: sign in, refresh, revoke a device."""

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import service
from server.auth.clients import client_address
from server.auth.schemas import DevicePublic, MePublic, TokensPublic
from server.auth.service import Principal
from server.errors import problem_response
from server.org.schemas import OrgUnitRefPublic
from server.runtime import Runtime
from shared.proof import PUBLIC_KEY_PATTERN


class LoginBody(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    device_id: UUID
    device_name: Annotated[str, msgspec.Meta(max_length=120)] | None = None
    # The device's Ed25519 public key: 32 raw bytes in base64url (43 characters unpadded).
    device_public_key: Annotated[str, msgspec.Meta(pattern=PUBLIC_KEY_PATTERN)] | None = None


class RefreshBody(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


def _signed_out(detail: str) -> Response:
    # Returned, not raised: the transaction commits what the refusal must leave behind
    # (a counted failure, or revoked tokens).
    return problem_response(401, "unauthorized", detail)


def _signed_in(tokens: dict) -> Response[TokensPublic]:
    # The service answers a dict (the console reads it as one); converting checks its shape.
    return Response(msgspec.convert(tokens, TokensPublic), status_code=200)


@post("/api/v1/auth/login", tags=["auth"], summary="Sign in from a device", status_code=200)
async def login(
    request: Request,
    data: JSONBody[LoginBody],
    db_session: NamedDependency[AsyncSession],
    runtime: NamedDependency[Runtime],
) -> Response[TokensPublic]:
    client = client_address(request, runtime.settings)
    tokens = await service.login(
        db_session,
        runtime,
        data.username,
        data.password,
        data.device_id,
        data.device_name,
        client,
        data.device_public_key,
    )
    if tokens is None:
        return _signed_out("Wrong username or password.")
    return _signed_in(tokens)


@post(
    "/api/v1/auth/refresh",
    tags=["auth"],
    summary="Trade a refresh token for new tokens",
    status_code=200,
)
async def refresh(
    data: JSONBody[RefreshBody],
    db_session: NamedDependency[AsyncSession],
    runtime: NamedDependency[Runtime],
) -> Response[TokensPublic]:
    tokens = await service.refresh(db_session, runtime, data.refresh_token)
    if tokens is None:
        return _signed_out("The session has ended. Sign in again.")
    return _signed_in(tokens)


@post(
    "/api/v1/devices/{device_id:uuid}/revoke",
    tags=["auth"],
    status_code=200,
    summary="Revoke a lost device: it wipes itself at its next contact",
)
async def revoke_device(
    device_id: Annotated[UUID, PathParameter(description="the device to revoke")],
    db_session: NamedDependency[AsyncSession],
    principal: NamedDependency[Principal],
) -> DevicePublic:
    return DevicePublic.from_row(await service.revoke_device(db_session, principal, device_id))


@get("/api/v1/me", tags=["org"], summary="Who the token belongs to")
async def me(principal: NamedDependency[Principal]) -> MePublic:
    user = principal.user
    return MePublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        org_unit=OrgUnitRefPublic.from_row(principal.unit),
        device_id=principal.actor.device_id,
    )


ROUTES = [login, refresh, revoke_device, me]
