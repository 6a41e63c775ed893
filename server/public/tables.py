"""A request's private tracking token, kept only as its SHA-256."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from server.db.types import UTCDateTime, utcnow


class RequestTracking(SQLModel, table=True):
    """The token a resident follows their request with; the token itself is never stored."""

    __tablename__ = "request_tracking"

    request_id: UUID = Field(foreign_key="hotline_request.id", primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # SHA-256 hex of the token
    source: str = Field(max_length=20)  # "public" (the pages and their JSON) or "open311"
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
