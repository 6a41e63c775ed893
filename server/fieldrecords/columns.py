"""The columns every field record has, and those of a record that carries proof of visit.

Mixins, not tables: a table takes them with `class Checkin(Proven, FieldRecord, SQLModel,
table=True)`. The columns are declared with `sa_type` rather than `sa_column`, so that each
table gets columns of its own (a `Column` object belongs to one table only); each makes the
same DDL as the tables declared before the mixins (type, nullability, key, foreign key, index,
no default), so the migrations stand as they are.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Text
from sqlmodel import Field, SQLModel

from server.clock import utcnow
from server.db.types import UTCDateTime


class FieldRecord(SQLModel):
    """Who the record is about, where and when. Who made it is the table's own column
    (`worker_id`, `mentor_id`), named for the role that makes it."""

    id: UUID = Field(primary_key=True)  # made on the phone
    resident_id: UUID = Field(foreign_key="resident.id", index=True)
    # The resident's community when it was made; scope and the feed follow it.
    community_id: UUID = Field(foreign_key="org_unit.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime(), nullable=False)  # when, by the phone
    created_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime(),
        nullable=True,
        sa_column_kwargs={"default": None},  # set by whoever writes it, as before
    )


class Proven(SQLModel):
    """The proof of visit a record was given (photos, signature, place, the device's
    signature), and whether the device's signature verified. A signed record keeps the exact
    text that was signed and the key that verified it, so that the signature can be checked
    again years later, whatever keys the device has had since (`blobs.proof.verifies_again`).
    """

    proof: dict[str, Any] | None = Field(
        default=None, sa_type=JSON(none_as_null=True), nullable=True
    )
    signed: bool = False
    # The canonical JSON the device signed (UTF-8 text: its bytes are the signed bytes).
    signed_payload: str | None = Field(default=None, sa_type=Text(), nullable=True)
    # The device's Ed25519 public key (base64url) the signature verified against.
    signing_key: str | None = Field(default=None, max_length=60, nullable=True)
