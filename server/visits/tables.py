"""Visits, and the append-only records of field work: check-ins, services and assistance.

The field records take their common columns from `server/fieldrecords/columns.py`.
"""

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from server.db.types import UTCDateTime, utcnow
from server.fieldrecords.columns import FieldRecord, Proven
from server.visits.schemas import (
    AssistancePublic,
    CheckinPublic,
    ServiceRecordPublic,
    VisitPublic,
)


class Visit(Proven, SQLModel, table=True):
    __tablename__ = "visit"
    __feed_entity__: ClassVar[str] = "visit"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    resident_id: UUID = Field(foreign_key="resident.id", index=True)
    # The resident's community when the visit was made; scope and the feed follow it.
    community_id: UUID = Field(foreign_key="org_unit.id", index=True)
    assignee_id: UUID | None = Field(default=None, foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=20)
    status: str = Field(max_length=20, index=True)
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    request_id: UUID | None = None
    title: str = Field(default="", max_length=200)  # a person's words; "" when coded
    # A title the server wrote itself, as a code worded where it is read (`visit.title_<code>`,
    # shared/visits.py TITLE_CODES); "" for a person's own title.
    title_code: str = Field(default="", max_length=40)
    summary: str = ""
    return_reason: str = ""
    cancel_reason: str = ""  # a person's words; "" when coded
    cancel_code: str = Field(default="", max_length=40)  # `visit.cancel_<code>`: CANCEL_CODES
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    decided_by: UUID | None = None
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_by: UUID | None = None
    rev: int = 1
    # (Proven: the proof given on completing it, and whether the device's signature verified.)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))

    @staticmethod
    def feed_keys(get: Any) -> set[str]:
        keys = {f"v:{get('community_id')}"}
        if get("assignee_id"):
            keys.add(f"u:{get('assignee_id')}")
        return keys

    def sync_data(self) -> dict[str, Any]:
        return VisitPublic.from_row(self).to_builtins()


class Checkin(Proven, FieldRecord, SQLModel, table=True):
    __tablename__ = "checkin"
    __feed_entity__: ClassVar[str] = "checkin"

    visit_id: UUID | None = Field(default=None, foreign_key="visit.id", index=True)
    worker_id: UUID = Field(foreign_key="app_user.id", index=True)
    device_id: UUID | None = None
    seen_in_person: bool
    wellbeing: str = Field(max_length=20)
    notes: str = ""
    needs: str = ""
    home_safety: dict[str, bool] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )

    @staticmethod
    def feed_keys(get: Any) -> set[str]:
        return {f"c:{get('community_id')}"}

    def sync_data(self) -> dict[str, Any]:
        return CheckinPublic.from_row(self).to_builtins()


class ServiceRecord(Proven, FieldRecord, SQLModel, table=True):
    __tablename__ = "service_record"
    __feed_entity__: ClassVar[str] = "service_record"

    visit_id: UUID | None = Field(default=None, foreign_key="visit.id")
    worker_id: UUID = Field(foreign_key="app_user.id", index=True)
    category_code: str = Field(max_length=60)
    minutes: int
    description: str = ""

    @staticmethod
    def feed_keys(get: Any) -> set[str]:
        return {f"c:{get('community_id')}"}

    def sync_data(self) -> dict[str, Any]:
        return ServiceRecordPublic.from_row(self).to_builtins()


class Assistance(FieldRecord, SQLModel, table=True):
    __tablename__ = "assistance"
    __feed_entity__: ClassVar[str] = "assistance"

    mentor_id: UUID = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=200)
    amount_cny: float | None = None
    description: str = ""

    @staticmethod
    def feed_keys(get: Any) -> set[str]:
        return {f"c:{get('community_id')}", f"m:{get('mentor_id')}"}

    def sync_data(self) -> dict[str, Any]:
        return AssistancePublic.from_row(self).to_builtins()
