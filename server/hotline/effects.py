"""The server's side of `request.create`: a request registered from the worker's phone."""

from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import utcnow
from server.effects import ServerEffect
from server.errors import Refusal
from server.hotline import service
from server.hotline.tables import HotlineRequest
from server.residents import service as residents
from shared import mutations as m
from shared.permissions import Actor
from shared.protocol import Conflict


async def create(
    session: AsyncSession, actor: Actor, args: m.RequestCreate, _stamp: str
) -> list[Conflict]:
    existing = await session.get(HotlineRequest, args.id)
    if existing is not None:
        if existing.created_by != actor.user_id:
            raise Refusal("duplicate_id", "A different request already has this id.", 409)
        return []  # the same request sent again
    resident = await residents.get_visible(session, actor, args.resident_id)
    await service.create(
        session,
        actor,
        {
            "id": args.id,
            "channel": "app",
            "resident_id": resident.id,
            "caller_name": args.caller_name or resident.name,
            "caller_phone": args.caller_phone or resident.phone,
            "address": resident.address,
            "category_code": args.category_code,
            "description": args.description,
        },
        # Raised at the door, possibly hours before the phone had a network: its time limit
        # starts then, but never after the server's clock (a fast phone gains nothing).
        min(args.at, utcnow()) if args.at is not None else utcnow(),
    )
    return []


EFFECTS: dict[type, ServerEffect] = {m.RequestCreate: create}
