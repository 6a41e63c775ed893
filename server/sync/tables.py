"""The push journal: every mutation a device pushed, with its outcome."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from server.db.types import UTCDateTime, utcnow


class MutationLog(SQLModel, table=True):
    """Every mutation a device pushed, once: its outcome and the stamp the server credited.

    The primary key makes a second application impossible; a replay of a rejected mutation is
    answered with its original reason from here.
    """

    __tablename__ = "mutation_log"

    device_id: UUID = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    name: str = Field(max_length=60)
    status: str = Field(max_length=20)  # applied | rejected
    stamp: str = Field(default="", max_length=64)  # the clamped hybrid-logical-clock stamp
    error_code: str | None = Field(default=None, max_length=60)
    error_message: str | None = None
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
