"""The hotline request's lifecycle, as plain functions: intake to the resident's rating.

received → dispatched (to a community or a department) → assigned (to a worker: a visit
appears on their phone) → in_progress → resolved (by the worker) → verified (by the
supervisor; or sent back to in_progress) → feedback_given (the resident is told) → closed by a
rating of 3–5; a rating of 1–2 reopens it (back to dispatched). Each stage has a time limit, a
share of the category's; an overdue request escalates one level up the tree.

Routed to a department, the same statuses carry the department's steps: dispatched (waiting
for the department to accept) → accept → in_progress → resolve → resolved (verified by the
unit that dispatched it). A department may transfer it to another department or return it:
a return waits in return_review until the district decides (approved: back to dispatched at
the office that sent it, no department; refused: back to the department where it was). A
request is overdue from its overall due time until it closes, whatever escalation does to the
stage clocks (`is_overdue`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class RequestStatus(StrEnum):
    RECEIVED = "received"
    DISPATCHED = "dispatched"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    VERIFIED = "verified"
    FEEDBACK_GIVEN = "feedback_given"
    CLOSED = "closed"
    RETURN_REVIEW = "return_review"  # a department's return, waiting for the district (退单审核)


class Level(StrEnum):
    DEPARTMENT = "department"
    COMMUNITY = "community"
    SUBDISTRICT = "subdistrict"
    DISTRICT = "district"


S = RequestStatus
_TRANSITIONS: dict[str, tuple[frozenset[RequestStatus], RequestStatus]] = {
    "dispatch": (frozenset({S.RECEIVED, S.DISPATCHED}), S.DISPATCHED),
    "assign": (frozenset({S.DISPATCHED, S.ASSIGNED}), S.ASSIGNED),
    "start": (frozenset({S.ASSIGNED}), S.IN_PROGRESS),
    "resolve": (frozenset({S.IN_PROGRESS}), S.RESOLVED),
    "verify": (frozenset({S.RESOLVED}), S.VERIFIED),
    "send_back": (frozenset({S.RESOLVED}), S.IN_PROGRESS),
    "feedback": (frozenset({S.VERIFIED}), S.FEEDBACK_GIVEN),
    "close": (frozenset({S.FEEDBACK_GIVEN}), S.CLOSED),
    # 复核: a poor rating or an unsatisfied 回访 sends it back to the level that closed it.
    "reopen": (frozenset({S.FEEDBACK_GIVEN, S.CLOSED}), S.DISPATCHED),
    # A repeat (副单) merged into its main request, before anyone worked it.
    "merge": (frozenset({S.RECEIVED, S.DISPATCHED}), S.CLOSED),
    # A department's steps.
    "accept": (frozenset({S.DISPATCHED}), S.IN_PROGRESS),
    "transfer": (frozenset({S.DISPATCHED, S.IN_PROGRESS}), S.DISPATCHED),
    "return": (frozenset({S.DISPATCHED, S.IN_PROGRESS}), S.RETURN_REVIEW),
    "approve_return": (frozenset({S.RETURN_REVIEW}), S.DISPATCHED),
    # Refused: back where the department had it (dispatched or in_progress; see `refused_return`).
    "refuse_return": (frozenset({S.RETURN_REVIEW}), S.IN_PROGRESS),
}

# The share of the category's time limit each stage may take, counted from the stage's start.
STAGE_SHARE: dict[RequestStatus, float] = {
    S.RECEIVED: 0.1,  # to dispatch
    S.DISPATCHED: 0.1,  # to assign, to dispatch on (a subdistrict), to accept (a department)
    S.ASSIGNED: 0.2,  # to start
    S.IN_PROGRESS: 0.6,  # to resolve
    S.RESOLVED: 0.2,  # to verify
    S.VERIFIED: 0.2,  # to tell the resident
    S.RETURN_REVIEW: 0.1,  # for the district to decide on a department's return
}
POOR_RATING = 2  # ratings at or below this reopen the request


@dataclass(frozen=True)
class RequestRefused(Exception):
    action: str
    status: RequestStatus
    message: str

    def __str__(self) -> str:
        return self.message


def transition(status: RequestStatus | str, action: str) -> RequestStatus:
    status = RequestStatus(status)
    allowed_from, target = _TRANSITIONS[action]
    if status not in allowed_from:
        raise RequestRefused(
            action, status, f"Cannot {action.replace('_', ' ')} a request that is {status.value}."
        )
    return target


def after_rating(score: int) -> str:
    """The action a rating leads to: close, or reopen for a poor one."""
    if not 1 <= score <= 5:
        raise ValueError("a rating is 1 to 5")
    return "reopen" if score <= POOR_RATING else "close"


def refused_return(before: RequestStatus | str) -> RequestStatus:
    """Where a refused return leaves the request: where the department had it before."""
    before = RequestStatus(before)
    return before if before in (S.DISPATCHED, S.IN_PROGRESS) else S.IN_PROGRESS


def stage_due(
    status: RequestStatus | str, stage_started: datetime, limit_hours: float
) -> datetime | None:
    share = STAGE_SHARE.get(RequestStatus(status))
    if share is None:
        return None
    return stage_started + timedelta(hours=max(limit_hours * share, 0.25))


def level_up(level: Level | str) -> Level | None:
    """The next level to escalate to, or None at the top: a department or a community answers
    to the subdistrict, the subdistrict to the district."""
    if Level(level) is Level.DEPARTMENT:
        return Level.SUBDISTRICT
    order = [Level.COMMUNITY, Level.SUBDISTRICT, Level.DISTRICT]
    index = order.index(Level(level))
    return order[index + 1] if index + 1 < len(order) else None


def is_overdue(status: RequestStatus | str, due_at: datetime, now: datetime) -> bool:
    """Open and past its overall due time (the category's limit from intake). Escalation moves
    stage clocks, never this."""
    return RequestStatus(status) is not RequestStatus.CLOSED and due_at < now
