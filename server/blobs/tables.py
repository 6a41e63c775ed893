"""Which blobs are complete, who uploaded them, and which records name them."""

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from server.clock import utcnow
from server.db.types import UTCDateTime


class Blob(SQLModel, table=True):
    """A complete, checked blob; its bytes are in the blob store under its hash."""

    __tablename__ = "blob"

    sha256: str = Field(primary_key=True, max_length=64)
    media_type: str = Field(max_length=40)
    size: int
    device_id: UUID = Field(index=True)  # the device that completed the upload
    user_id: UUID = Field(index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )


class BlobOwner(SQLModel, table=True):
    """An account that uploaded these bytes (the first, or one that sent the same bytes again):
    a proof may name a blob its sender's account holds this way. Knowing a hash is not having
    the photo; sending its bytes is."""

    __tablename__ = "blob_owner"

    sha256: str = Field(primary_key=True, max_length=64)
    user_id: UUID = Field(primary_key=True)


class BlobRef(SQLModel, table=True):
    """A record that names a blob in its proof: a download is allowed to whoever sees one."""

    __tablename__ = "blob_ref"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    sha256: str = Field(max_length=64, index=True)
    entity: str = Field(max_length=30)  # "checkin", "service_record", "visit"
    record_id: UUID = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
