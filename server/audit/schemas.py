"""What the API shows of the audit trail."""

from datetime import datetime
from typing import Any
from uuid import UUID

from server.schemas import Public


class AuditEntryPublic(Public):
    """One change in the audit trail: who did what, when, from which device."""

    id: UUID  # the entry's id
    at: datetime  # when the change was made
    actor_id: UUID | None  # who made it; none for the system
    device_id: UUID | None  # the device it came from, if any
    action: str  # what was done, e.g. "visit.start", "auth.login"
    entity: str  # the kind of record changed, e.g. "visit"
    record_id: UUID | None  # the record changed
    detail: dict[str, Any]  # what else the action noted, by name
