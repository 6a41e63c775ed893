"""The shape of a mutation's server effect, shared by the domains that declare them.

Each domain lists its effects in its own `effects.py` (`EFFECTS`: argument schema → effect);
`server/sync/effects.py` gathers them and checks them against the shared registry.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.permissions import Actor
from shared.protocol import Conflict

# (session, the sender, the typed arguments, the clock stamp credited to the mutation)
# -> the fields where the sender's value did not stand.
ServerEffect = Callable[[AsyncSession, Actor, Any, str], Awaitable[list[Conflict]]]


def plain(call: Callable[[AsyncSession, Actor, Any], Awaitable[Any]]) -> ServerEffect:
    """An effect from a service function that neither needs the stamp nor conflicts."""

    async def effect(session: AsyncSession, actor: Actor, args: Any, _stamp: str):
        await call(session, actor, args)
        return []

    effect.__name__ = call.__name__
    effect.__qualname__ = call.__qualname__
    return effect
