"""Writing the audit trail, inside the transaction of the change it describes.

Entries are collected on the session and written in one statement just before commit (see
server/feed/capture.py), so a push of 500 mutations costs one insert, not 500.
"""

import uuid
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import utcnow
from shared.permissions import Actor


def record(
    session: AsyncSession,
    actor: Actor | None,
    action: str,
    entity: str,
    record_id: UUID | None,
    community_id: UUID | None = None,
    **detail: Any,
) -> None:
    pending(session).append(
        {
            "id": uuid.uuid4(),
            "at": utcnow(),
            "actor_id": actor.user_id if actor else None,
            "device_id": actor.device_id if actor else None,
            "action": action,
            "entity": entity,
            "record_id": record_id,
            "community_id": community_id,
            "detail": {k: _plain(v) for k, v in detail.items()},
        }
    )


def pending(session) -> list[dict[str, Any]]:
    """The entries of this transaction not yet written."""
    return session.info.setdefault("audit_pending", [])


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)
