"""Visits moving through their state machine: started, completed, decided, (re)assigned,
cancelled. On the phone a move the machine refuses leaves the visit alone; the server will
refuse it too, with the reason."""

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from shared import visits as machine
from shared.enums import Role
from shared.mutations.base import Args, Instant, LocalWrite, Proof, Text, View, declare, wire

FIELD_STAFF = {Role.WORKER, Role.MENTOR}
DECIDERS = {Role.SUPERVISOR, Role.ADMIN}
DISPATCHERS = {Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}
Status = Annotated[str, msgspec.Meta(max_length=20)]
# The moves whose arguments say which status the phone saw (the phone's store fills it in).
SEEN_MOVES = ("visit.start", "visit.complete", "approval.decide", "visit.assign", "visit.cancel")


class VisitStart(Args, kw_only=True):
    visit_id: UUID
    at: Instant
    # extension: the status the phone saw the visit in (a move it had not seen is refused)
    base_status: Status | None = None


class VisitComplete(Args, kw_only=True):
    visit_id: UUID
    at: Instant
    summary: Text
    proof: Proof | None = None  # photos, signature, place, device signature
    base_status: Status | None = None  # extension: the status the phone saw


class ApprovalDecide(Args, kw_only=True):
    visit_id: UUID
    decision: Literal["approve", "reject"]
    reason: Text | None = None
    base_status: Status | None = None  # extension: the status the phone saw


class VisitAssign(Args, kw_only=True):
    visit_id: UUID
    assignee_id: UUID
    base_status: Status | None = None  # extension: the status the phone saw


class VisitCancel(Args, kw_only=True):
    visit_id: UUID
    reason: Text
    base_status: Status | None = None  # extension: the status the phone saw


def _moved(view: View, visit_id: UUID, action: str, **fields: Any) -> list[LocalWrite]:
    visit = view("visit", str(visit_id))
    if visit is None or not machine.can(visit["status"], action):
        return []
    after = {**visit, "status": str(machine.transition(visit["status"], action)), **fields}
    return [("visit", str(visit_id), after)]


def _start(view: View, args: VisitStart, _user: str) -> list[LocalWrite]:
    return _moved(view, args.visit_id, "start", started_at=wire(args.at))


def _complete(view: View, args: VisitComplete, _user: str) -> list[LocalWrite]:
    return _moved(
        view,
        args.visit_id,
        "complete",
        completed_at=wire(args.at),
        summary=args.summary,
        proof=wire(args.proof),
        signed=False,
    )


def _decide(view: View, args: ApprovalDecide, _user: str) -> list[LocalWrite]:
    if args.decision == "approve":
        return _moved(view, args.visit_id, "approve")
    return _moved(view, args.visit_id, "return", return_reason=args.reason or "")


def _assign(view: View, args: VisitAssign, _user: str) -> list[LocalWrite]:
    return _moved(view, args.visit_id, "assign", assignee_id=str(args.assignee_id))


def _cancel(view: View, args: VisitCancel, _user: str) -> list[LocalWrite]:
    return _moved(view, args.visit_id, "cancel", cancel_reason=args.reason)


SPECS = [
    declare(
        "visit.start",
        VisitStart,
        FIELD_STAFF,
        _start,
        only_when="the visit's assignee",
        effect="assigned/returned → in_progress; from a status other than `base_status`: "
        "stale_state",
    ),
    declare(
        "visit.complete",
        VisitComplete,
        FIELD_STAFF,
        _complete,
        only_when="the visit's assignee",
        effect="in_progress → completed (summary required); from a status other than "
        "`base_status`: stale_state",
    ),
    declare(
        "approval.decide",
        ApprovalDecide,
        DECIDERS,
        _decide,
        only_when="over the visit's community",
        effect="completed → approved / returned (reason required); stale_state as above",
    ),
    declare(
        "visit.assign",
        VisitAssign,
        DISPATCHERS,
        _assign,
        only_when="over the visit's community",
        effect="open → assigned to field staff of that community; from a status other than "
        "`base_status`: stale_state",
    ),
    declare(
        "visit.cancel",
        VisitCancel,
        DISPATCHERS,
        _cancel,
        only_when="over the visit's community",
        effect="open → cancelled (reason required); from a status other than `base_status`: "
        "stale_state",
    ),
]
