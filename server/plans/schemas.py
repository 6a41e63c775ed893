"""What the API shows of visit plans and alerts."""

from datetime import datetime
from uuid import UUID

from server.schemas import Public


class VisitPlanPublic(Public):
    """Check-in visits for one resident, made on a schedule."""

    id: UUID  # the plan's id
    resident_id: UUID  # whom the visits are to
    kind: str  # checkin (a worker's check-ins) or mentoring (a mentor's visits, 一帮一)
    assignee_id: UUID  # who makes them
    interval_days: int  # days between one visit and the next
    next_due_at: datetime  # when the next visit falls due
    active: bool  # false once the plan is stopped


class AlertPublic(Public):
    """Something a supervisor must look at: for now, a planned visit that was missed."""

    id: UUID  # the alert's id
    kind: str  # what happened, e.g. "missed_visit"
    visit_id: UUID | None  # the visit that was missed
    resident_id: UUID | None  # whom the visit was to
    community_id: UUID  # the community that must act
    message: str  # the alert in words (Chinese), made from `kind` and `params`
    params: dict[str, str]  # its facts: {"name": the resident, "due": the due date, YYYY-MM-DD}
    raised_at: datetime  # when it was raised
