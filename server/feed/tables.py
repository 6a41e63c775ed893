"""The change feed and its commit-ordered version counter."""

from uuid import UUID

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel


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
