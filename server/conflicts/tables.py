"""The conflict log's table: written by the field merge (residents), read by the people in it."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from server.clock import utcnow
from server.db.types import UTCDateTime


class ConflictEntry(SQLModel, table=True):
    """A value that did not stand in a field both sides changed."""

    __tablename__ = "conflict_entry"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), index=True))
    entity: str = Field(max_length=40)
    record_id: UUID = Field(index=True)
    community_id: UUID | None = Field(default=None, index=True)
    field: str = Field(max_length=60)
    lost_value: Any = Field(default=None, sa_column=Column(JSON))
    kept_value: Any = Field(default=None, sa_column=Column(JSON))
    loser_id: UUID | None = Field(default=None, index=True)  # whose value did not stand
    loser_device_id: UUID | None = None
    winner_id: UUID | None = None
    lost_hlc: str = Field(default="", max_length=64)
    kept_hlc: str = Field(default="", max_length=64)
