"""A request's private tracking token, kept only as its SHA-256."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from server.clock import utcnow
from server.db.types import UTCDateTime


class RequestTracking(SQLModel, table=True):
    """The token a resident follows their request with; the token itself is never stored."""

    __tablename__ = "request_tracking"

    request_id: UUID = Field(foreign_key="hotline_request.id", primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # SHA-256 hex of the token
    source: str = Field(max_length=20)  # "public" (the pages and their JSON) or "open311"
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ThrottleHit(SQLModel, table=True):
    """One attempt at a public door, kept for as long as its window lasts. Written only when
    the server runs on PostgreSQL, where several processes must count the same attempts
    (server/public/throttle.py); a single SQLite process counts in memory."""

    __tablename__ = "throttle_hit"
    __table_args__ = (Index("ix_throttle_hit_client_kind_at", "client", "kind", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    client: str = Field(max_length=200)  # the client address, or an Open311 key's name
    kind: str = Field(max_length=20)  # submit, read, rate, file, lookup
    at: float  # Unix seconds: the wall clock, which every process reads alike
