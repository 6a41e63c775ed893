"""Hotline requests, their timelines, and the daily counter behind their numbers."""

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from server.db.types import UTCDateTime


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


class HotlineRequest(SQLModel, table=True):
    __tablename__ = "hotline_request"
    __feed_entity__: ClassVar[str] = "request"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    number: str = Field(max_length=20, unique=True, index=True)  # read out on the phone
    channel: str = Field(max_length=20)
    caller_name: str = Field(max_length=80)
    caller_phone: str = Field(max_length=40)
    address: str = Field(max_length=200)
    resident_id: UUID | None = Field(default=None, foreign_key="resident.id", index=True)
    category_code: str = Field(max_length=60, index=True)
    department: str = Field(default="", max_length=120)
    description: str = ""
    community_id: UUID | None = Field(default=None, foreign_key="org_unit.id", index=True)
    level: str = Field(default="community", max_length=20)  # who answers for it now
    status: str = Field(max_length=20, index=True)
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    stage_started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    stage_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), index=True))
    assignee_id: UUID | None = Field(default=None, foreign_key="app_user.id", index=True)
    visit_id: UUID | None = None
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    verified_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    feedback: str = ""
    rating: int | None = None
    rating_comment: str = ""
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    reopened: int = 0
    escalations: int = 0
    created_by: UUID | None = None
    rev: int = 1

    @staticmethod
    def feed_keys(get: Any) -> set[str]:
        keys = {f"v:{get('community_id')}"} if get("community_id") else set()
        if get("assignee_id"):
            keys.add(f"u:{get('assignee_id')}")
        return keys

    def sync_data(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "number": self.number,
            "status": self.status,
            "category_code": self.category_code,
            "caller_name": self.caller_name,
            "caller_phone": self.caller_phone,
            "address": self.address,
            "resident_id": str(self.resident_id) if self.resident_id else None,
            "description": self.description,
            "community_id": str(self.community_id) if self.community_id else None,
            "level": self.level,
            "due_at": _iso(self.due_at),
            "stage_due_at": _iso(self.stage_due_at),
            "assignee_id": str(self.assignee_id) if self.assignee_id else None,
            "visit_id": str(self.visit_id) if self.visit_id else None,
            "rev": self.rev,
        }


class RequestEvent(SQLModel, table=True):
    """One step in a request's timeline."""

    __tablename__ = "request_event"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    request_id: UUID = Field(foreign_key="hotline_request.id", index=True)
    ordinal: int  # the request's rev when it happened: orders steps taken in the same instant
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor_id: UUID | None = None
    actor: str = Field(default="", max_length=120)  # who, as a person reads it
    action: str = Field(max_length=40)
    note: str = ""


class RequestCounter(SQLModel, table=True):
    """Requests received per day: numbers are YYMMDD-NNNN, short enough to read out."""

    __tablename__ = "request_counter"

    day: str = Field(primary_key=True, max_length=8)
    last: int = 0
