"""The API keys of Open311 clients, kept only as their SHA-256."""

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from server.clock import utcnow
from server.db.types import UTCDateTime


class Open311ApiKey(SQLModel, table=True):
    __tablename__ = "open311_api_key"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    name: str = Field(max_length=80, unique=True, index=True)  # who the key was given to
    key_hash: str = Field(max_length=64, unique=True, index=True)  # SHA-256 hex of the key
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class Open311Place(SQLModel, table=True):
    """Where an Open311 client said its request is, as it said it: kept and answered back
    (map apps place their pins by `lat`/`long`; `address_id` is the client's own key)."""

    __tablename__ = "open311_place"

    request_id: UUID = Field(foreign_key="hotline_request.id", primary_key=True)
    lat: float | None = Field(default=None)
    long: float | None = Field(default=None)
    address_id: str | None = Field(default=None, max_length=80)
    media_sha256: str | None = Field(default=None, max_length=64)  # a photo sent with it
    media_type: str | None = Field(default=None, max_length=40)
    media_url: str | None = Field(default=None, max_length=500)  # the spec's media_url, as given
