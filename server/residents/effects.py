"""The server's side of `resident.update`: a field merge that reports what did not stand."""

from sqlalchemy.ext.asyncio import AsyncSession

from server.effects import ServerEffect
from server.residents import service
from shared import mutations as m
from shared.permissions import Actor
from shared.protocol import Conflict


async def update(
    session: AsyncSession, actor: Actor, args: m.ResidentUpdate, stamp: str
) -> list[Conflict]:
    fields = m.resident_fields_set(args.fields)
    lost = await service.update_fields(session, actor, args.id, fields, stamp, args.base)
    return [Conflict("resident", str(args.id), c.field, c.lost_value, c.kept_value) for c in lost]


EFFECTS: dict[type, ServerEffect] = {m.ResidentUpdate: update}
