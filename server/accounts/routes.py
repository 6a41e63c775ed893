"""HTTP: accounts and devices for managers (the scope preview is sync's: see
server/sync/preview_routes.py and docs/admin.md)."""

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Response, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from server.accounts import service
from server.accounts.schemas import (
    DeviceListed,
    PasswordReset,
    UserCreate,
    UserUpdate,
)
from server.auth.schemas import UserPublic
from server.clock import utcnow
from server.deps import Caller, Runtime_, Session


@post("/api/v1/users", tags=["accounts"], summary="Create an account", status_code=201)
async def create_user(
    data: JSONBody[UserCreate],
    db_session: Session,
    runtime: Runtime_,
    principal: Caller,
) -> Response[UserPublic]:
    user = await service.create(db_session, runtime, principal.actor, msgspec.structs.asdict(data))
    return Response(UserPublic.from_row(user), status_code=201)


@get("/api/v1/users/{user_id:uuid}", tags=["accounts"], summary="An account in your subtree")
async def get_user(user_id: FromPath[UUID], db_session: Session, principal: Caller) -> UserPublic:
    user, _ = await service.visible(db_session, principal.actor, user_id)
    return UserPublic.from_row(user)


@patch(
    "/api/v1/users/{user_id:uuid}",
    tags=["accounts"],
    summary="Change an account: display name, role, unit, or disable/enable it",
)
async def update_user(
    user_id: FromPath[UUID], data: JSONBody[UserUpdate], db_session: Session, principal: Caller
) -> UserPublic:
    fields = msgspec.structs.asdict(data)
    user = await service.update(db_session, principal.actor, user_id, fields, utcnow())
    return UserPublic.from_row(user)


@post(
    "/api/v1/users/{user_id:uuid}/password",
    tags=["accounts"],
    summary="Set a new password; every session of the account ends",
    status_code=200,
)
async def reset_password(
    user_id: FromPath[UUID],
    data: JSONBody[PasswordReset],
    db_session: Session,
    runtime: Runtime_,
    principal: Caller,
) -> UserPublic:
    user = await service.reset_password(
        db_session, runtime, principal.actor, user_id, data.password, utcnow()
    )
    return UserPublic.from_row(user)


@get("/api/v1/devices", tags=["accounts"], summary="Devices of your subtree, with last contact")
async def list_devices(
    db_session: Session,
    principal: Caller,
    user_id: Annotated[UUID | None, QueryParameter(description="only this account's")] = None,
) -> list[DeviceListed]:
    rows = await service.devices(db_session, principal.actor, user_id)
    return [msgspec.convert(row, DeviceListed) for row in rows]


@get("/api/v1/users", tags=["org"], summary="People in your part of the tree")
async def users(db_session: Session, principal: Caller) -> list[UserPublic]:
    return [
        UserPublic.from_row(user) for user in await service.users_in(db_session, principal.actor)
    ]


ROUTES = [
    users,
    create_user,
    get_user,
    update_user,
    reset_password,
    list_devices,
]
