"""The register's tables: organisations and teams, and what they did."""

from datetime import date, datetime
from uuid import UUID, uuid4

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from server.clock import utcnow
from server.db.types import UTCDateTime


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    kind: str = Field(max_length=20, index=True)  # social_org | volunteer_team | patrol_team
    org_unit_id: UUID = Field(foreign_key="org_unit.id", index=True)
    name: str = Field(max_length=120)
    focus: str = Field(default="", max_length=200)  # what it does
    contact_name: str = Field(default="", max_length=60)
    contact_phone: str = Field(default="", max_length=40)
    member_count: int = 0
    members: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class OrganisationActivity(SQLModel, table=True):
    __tablename__ = "organisation_activity"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    organisation_id: UUID = Field(foreign_key="organisation.id", index=True)
    org_unit_id: UUID = Field(foreign_key="org_unit.id", index=True)
    on_date: date = Field(index=True)
    title: str = Field(max_length=200)
    place: str = Field(default="", max_length=200)
    participants: int
    hours: float  # volunteer hours given in all (participants × time each)
    recorded_by: UUID | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
