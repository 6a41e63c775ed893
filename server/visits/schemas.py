"""What the API and the change feed show of visits, check-ins, services and assistance."""

from datetime import datetime
from typing import Any
from uuid import UUID

from server.schemas import Public
from shared.enums import VisitKind, VisitStatus, Wellbeing
from shared.visits import cancel_words, title_words


class VisitPublic(Public):
    """A visit: the feed entity `visit`, and every visits endpoint's answer."""

    id: UUID  # the visit's id
    resident_id: UUID  # whom the visit is to
    community_id: UUID  # the resident's community when the visit was made
    assignee_id: UUID | None  # the worker or mentor who makes it; none while unassigned
    kind: VisitKind  # why: a check-in, a hotline request, mentoring, a service
    status: VisitStatus  # where it is in assigned → in_progress → completed → approved
    due_at: datetime  # when it should be made by
    request_id: UUID | None  # the hotline request it answers, for kind "request"
    title: str  # a short line for lists, may be empty; a coded one worded in Chinese
    title_code: str  # the title's code when the server made it ("" for a person's title)
    summary: str  # what the visitor wrote on completing it
    return_reason: str  # why a supervisor sent it back, when returned
    cancel_reason: str  # why it was cancelled, when cancelled; a coded one worded in Chinese
    cancel_code: str  # the reason's code when the server cancelled it ("" for a person's)
    started_at: datetime | None  # when the visitor started it
    completed_at: datetime | None  # when the visitor completed it
    decided_at: datetime | None  # when a supervisor approved or returned it
    rev: int  # bumped on every write to the visit
    proof: dict[str, Any] | None = None  # photos, signature, place given on completing it
    signed: bool = False  # the proof's device signature verified

    @classmethod
    def from_row(cls, row: Any) -> "VisitPublic":
        """The row's fields; a coded title or cancel reason also worded in Chinese, for readers
        of the JSON and for apps that know no codes."""
        public = super().from_row(row)
        public.title, public.cancel_reason = title_words(public), cancel_words(public)
        return public


class CheckinPublic(Public):
    """A check-in on a resident (append-only): the feed entity `checkin`."""

    id: UUID  # the check-in's id, made on the phone
    resident_id: UUID  # whom it was about
    visit_id: UUID | None  # the visit it was made on, if any
    worker_id: UUID  # who made it
    at: datetime  # when it was made
    seen_in_person: bool  # the resident was seen, not only phoned
    wellbeing: Wellbeing  # good, fair, poor or emergency
    notes: str  # what the worker noted
    needs: str  # what the resident asked for
    home_safety: dict[str, bool]  # checks passed, e.g. {"gas": true, "water": true}
    proof: dict[str, Any] | None = None  # photos, signature, place
    signed: bool = False  # the proof's device signature verified


class ServiceRecordPublic(Public):
    """A service delivered to a resident (append-only): the feed entity `service_record`."""

    id: UUID  # the record's id, made on the phone
    resident_id: UUID  # who was served
    visit_id: UUID | None  # the visit it was delivered on, if any
    worker_id: UUID  # who delivered it
    category_code: str  # the service catalogue's code
    at: datetime  # when it was delivered
    minutes: int  # how long it took
    description: str  # what was done
    proof: dict[str, Any] | None = None  # photos, signature, place
    signed: bool = False  # the proof's device signature verified


class AssistancePublic(Public):
    """Help a mentor gave a family (append-only): the feed entity `assistance`."""

    id: UUID  # the record's id, made on the phone
    resident_id: UUID  # who was helped
    mentor_id: UUID  # the mentor who helped
    at: datetime  # when
    kind: str  # what kind of help, in the mentor's words
    amount_cny: float | None  # money given, in yuan, if any
    description: str  # what was done
