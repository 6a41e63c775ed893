"""Visits, and the append-only records of field work: check-ins, services and assistance.

The field records take their common columns from `server/fieldrecords/columns.py`.
"""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from server.clock import utcnow
from server.db.types import UTCDateTime
from server.fieldrecords.columns import FieldRecord, Proven
from server.records import Place, declare
from server.records.keys import key
from server.visits.schemas import (
    AssistancePublic,
    CheckinPublic,
    ServiceRecordPublic,
    VisitPublic,
)
from shared.permissions import Actor, holds_field_record, sees_record_of_resident, sees_visit


class Visit(Proven, SQLModel, table=True):
    __tablename__ = "visit"

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


class Checkin(Proven, FieldRecord, SQLModel, table=True):
    __tablename__ = "checkin"

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


class ServiceRecord(Proven, FieldRecord, SQLModel, table=True):
    __tablename__ = "service_record"

    visit_id: UUID | None = Field(default=None, foreign_key="visit.id")
    worker_id: UUID = Field(foreign_key="app_user.id", index=True)
    category_code: str = Field(max_length=60)
    minutes: int
    description: str = ""


class Assistance(FieldRecord, SQLModel, table=True):
    __tablename__ = "assistance"

    mentor_id: UUID = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=200)
    amount_cny: float | None = None
    description: str = ""


# The synced records of field work: their sync keys and who holds them (shared.permissions).


def _visit_keys(get: Any) -> set[str]:
    keys = {key("work", get("community_id"))}
    if get("assignee_id"):
        keys.add(key("assigned", get("assignee_id")))
    return keys


def _holds_visit(actor: Actor, row: Any, place: Place) -> bool:
    """managers: every visit of their subtree; field staff: their own, open or closed in the
    last 30 days (not cancelled)"""
    path = place.path(row.community_id)
    return sees_visit(actor, path, row.assignee_id, row.status, row.closed_at, place.now)


def _community_keys(get: Any) -> set[str]:
    return {key("community", get("community_id"))}


def _holds_field_record(actor: Actor, row: Any, place: Place) -> bool:
    """whoever holds its resident's community (not a mentor)"""
    return holds_field_record(actor, place.path(row.community_id))


def _assistance_keys(get: Any) -> set[str]:
    return {key("community", get("community_id")), key("mentored", get("mentor_id"))}


def _holds_assistance(actor: Actor, row: Any, place: Place) -> bool:
    """whoever holds its resident's community; a mentor, their own"""
    return sees_record_of_resident(actor, place.path(row.community_id), None, row.mentor_id)


VISIT = declare(
    Visit,
    entity="visit",
    public=VisitPublic,
    keys=_visit_keys,
    sees=_holds_visit,
    label="visits",
)
CHECKIN = declare(
    Checkin,
    entity="checkin",
    public=CheckinPublic,
    keys=_community_keys,
    sees=_holds_field_record,
    label="elderly check-ins",
)
SERVICE_RECORD = declare(
    ServiceRecord,
    entity="service_record",
    public=ServiceRecordPublic,
    keys=_community_keys,
    sees=_holds_field_record,
    label="services delivered",
)
ASSISTANCE = declare(
    Assistance,
    entity="assistance",
    public=AssistancePublic,
    keys=_assistance_keys,
    sees=_holds_assistance,
    label="mentors' assistance logs",
)
RECORDS = [VISIT, CHECKIN, SERVICE_RECORD, ASSISTANCE]
