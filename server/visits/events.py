"""The visit's domain event: "a visit moved", told to whoever listens.

Visits know nothing of the domains that care about a visit moving (the hotline moves a
request along with its visit); those register a listener here. Listeners run inside the
caller's transaction, so a listener that refuses rolls the whole move back.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from server.visits.tables import Visit
from shared.permissions import Actor

Move = Literal["start", "complete", "approve", "return"]


@dataclass(frozen=True)
class VisitMoved:
    """A visit took one step of its state machine."""

    visit: Visit  # the visit, after the step
    move: Move  # which step
    actor: Actor  # who took it
    at: datetime  # when


Listener = Callable[[AsyncSession, VisitMoved], Awaitable[None]]
_listeners: list[Listener] = []


def on_visit_moved(listener: Listener) -> Listener:
    """Register a listener (usable as a decorator); registering the same one twice is a no-op."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


async def visit_moved(session: AsyncSession, event: VisitMoved) -> None:
    """Tell every listener, in the order they registered."""
    for listener in _listeners:
        await listener(session, event)
