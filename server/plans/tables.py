"""Visit plans and the alerts raised when a planned visit is missed."""

from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from server.db.types import UTCDateTime, utcnow


class VisitPlan(SQLModel, table=True):
    """Check-in visits for one resident, generated on a schedule."""

    __tablename__ = "visit_plan"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    resident_id: UUID = Field(foreign_key="resident.id", unique=True, index=True)
    community_id: UUID = Field(foreign_key="org_unit.id", index=True)
    assignee_id: UUID = Field(foreign_key="app_user.id", index=True)
    interval_days: int = 7  # weekly by default; 15, 30, 60 … as the community decides
    next_due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class Alert(SQLModel, table=True):
    """Something a supervisor must look at: for now, a planned visit that was missed."""

    __tablename__ = "alert"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    kind: str = Field(max_length=40)
    visit_id: UUID | None = Field(default=None, unique=True)
    resident_id: UUID | None = None
    community_id: UUID = Field(foreign_key="org_unit.id", index=True)
    message: str = ""
    raised_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
