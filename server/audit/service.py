"""Writing the audit trail, inside the transaction of the change it describes."""

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.tables import AuditEntry
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
    session.add(
        AuditEntry(
            actor_id=actor.user_id if actor else None,
            device_id=actor.device_id if actor else None,
            action=action,
            entity=entity,
            record_id=record_id,
            community_id=community_id,
            detail={k: _plain(v) for k, v in detail.items()},
        )
    )


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)
