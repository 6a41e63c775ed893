"""Visit plans and the alerts raised when a planned visit is missed."""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from server.clock import utcnow
from server.db.types import UTCDateTime
from shared import words


class VisitPlan(SQLModel, table=True):
    """Visits of one kind for one resident, generated on a schedule: check-ins by a worker, or
    a mentor's visits to the family they mentor (一帮一). One plan a resident and kind."""

    __tablename__ = "visit_plan"
    __table_args__ = (Index("ux_visit_plan_resident_kind", "resident_id", "kind", unique=True),)

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    resident_id: UUID = Field(foreign_key="resident.id", index=True)
    kind: str = Field(default="checkin", max_length=20)  # a VisitKind: checkin or mentoring
    community_id: UUID = Field(foreign_key="org_unit.id", index=True)
    assignee_id: UUID = Field(foreign_key="app_user.id", index=True)
    interval_days: int = 7  # weekly by default; 15, 30, 60 … as the community decides
    next_due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class Alert(SQLModel, table=True):
    """Something a supervisor must look at: for now, a planned visit that was missed. Stored
    as a code (`kind`) and its facts (`params`), put into words at the edge (`alert.<kind>`)."""

    __tablename__ = "alert"

    id: UUID = Field(default_factory=uuid4, primary_key=True)
    kind: str = Field(max_length=40)
    visit_id: UUID | None = Field(default=None, unique=True)
    resident_id: UUID | None = None
    community_id: UUID = Field(foreign_key="org_unit.id", index=True)
    params: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )  # the facts the words are made from: {"name": the resident, "due": "YYYY-MM-DD"}
    raised_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

    @property
    def message(self) -> str:
        """The alert in the API's words (Chinese), from its code and facts."""
        return words.word(f"alert.{self.kind}", words.CHINESE, **self.params)
