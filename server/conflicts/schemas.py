"""What the API shows of the conflict log."""

from datetime import datetime
from typing import Any
from uuid import UUID

from server.schemas import Public


class ConflictPublic(Public):
    """A value that did not stand in a field two people changed."""

    id: UUID  # the conflict's id
    at: datetime  # when the server resolved it
    entity: str  # the kind of record, e.g. "resident"
    record_id: UUID  # the record both sides changed
    field: str  # the field both sides changed, e.g. "phone"
    lost_value: Any  # the value that did not stand
    kept_value: Any  # the value that stands
    loser_id: UUID | None  # whose value did not stand
    winner_id: UUID | None  # whose value stands
