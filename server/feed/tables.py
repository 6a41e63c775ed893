"""The change feed, its commit-ordered version counter, and the conflict log."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from server.db.types import UTCDateTime, utcnow


class FeedClock(SQLModel, table=True):
    """A single row. Every writing transaction bumps `version` just before it commits.

    The row lock taken by that UPDATE is held until commit, so a later bump waits for the
    earlier transaction to finish: versions are handed out in commit order.
    """

    __tablename__ = "feed_clock"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # Feed entries below this version have been compacted away; older cursors expire.
    horizon: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class FeedEntry(SQLModel, table=True):
    """A record changed: one row per scope key its old or new state falls under."""

    __tablename__ = "feed_entry"
    __table_args__ = (Index("ix_feed_entry_key_pos", "key", "version", "ord"),)

    version: int = Field(sa_column=Column(BigInteger, primary_key=True))
    ord: int = Field(primary_key=True)  # the change's place within its transaction
    key: str = Field(primary_key=True, max_length=48)  # e.g. "c:<community id>", "u:<user id>"
    entity: str = Field(max_length=40)
    record_id: UUID


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
