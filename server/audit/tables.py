"""One row per change, kept on the server."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from server.clock import utcnow
from server.db.types import UTCDateTime


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), index=True))
    actor_id: UUID | None = Field(default=None, index=True)
    device_id: UUID | None = None
    action: str = Field(max_length=60)
    entity: str = Field(max_length=40)
    record_id: UUID | None = Field(default=None, index=True)
    community_id: UUID | None = Field(default=None, index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
