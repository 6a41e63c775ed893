"""The visit state machine of the contract, as plain functions.

assigned → in_progress → completed → approved; a supervisor may send `completed` back as
`returned` (then start → in_progress → completed again); a dispatcher or supervisor may cancel
an open visit. Nothing moves a visit backwards except `returned`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared import words
from shared.enums import VisitStatus

OPEN_STATUSES = frozenset({VisitStatus.ASSIGNED, VisitStatus.IN_PROGRESS, VisitStatus.RETURNED})
CLOSED_STATUSES = frozenset({VisitStatus.APPROVED, VisitStatus.CANCELLED})

# action -> (statuses it may start from, status it leads to)
_TRANSITIONS: dict[str, tuple[frozenset[VisitStatus], VisitStatus]] = {
    "start": (frozenset({VisitStatus.ASSIGNED, VisitStatus.RETURNED}), VisitStatus.IN_PROGRESS),
    "complete": (frozenset({VisitStatus.IN_PROGRESS}), VisitStatus.COMPLETED),
    "approve": (frozenset({VisitStatus.COMPLETED}), VisitStatus.APPROVED),
    "return": (frozenset({VisitStatus.COMPLETED}), VisitStatus.RETURNED),
    "assign": (OPEN_STATUSES, VisitStatus.ASSIGNED),
    "cancel": (OPEN_STATUSES, VisitStatus.CANCELLED),
}

# Why an action is refused, per status the visit is in, in words a worker understands.
_REFUSALS: dict[VisitStatus, str] = {
    VisitStatus.ASSIGNED: "the visit has not been started yet",
    VisitStatus.IN_PROGRESS: "the visit is already in progress",
    VisitStatus.COMPLETED: "the visit is already completed and waits for approval",
    VisitStatus.RETURNED: "the visit was sent back and must be started again",
    VisitStatus.APPROVED: "the visit was already approved by the supervisor",
    VisitStatus.CANCELLED: "the visit was cancelled",
}


@dataclass(frozen=True)
class TransitionRefused(Exception):
    """An action that the visit's current status does not allow."""

    action: str
    status: VisitStatus
    code: str
    message: str

    def __str__(self) -> str:
        return self.message


def transition(status: VisitStatus | str, action: str) -> VisitStatus:
    """The status a visit in `status` reaches by `action`, or TransitionRefused."""
    status = VisitStatus(status)
    if action not in _TRANSITIONS:
        raise ValueError(f"unknown visit action {action!r}")
    allowed_from, target = _TRANSITIONS[action]
    if status not in allowed_from:
        code = "visit_closed" if status in CLOSED_STATUSES else "invalid_transition"
        raise TransitionRefused(
            action, status, code, f"Cannot {action} this visit: {_REFUSALS[status]}."
        )
    return target


def can(status: VisitStatus | str, action: str) -> bool:
    try:
        transition(status, action)
    except TransitionRefused:
        return False
    return True


# Titles and cancel reasons the server writes itself are stored as codes, worded where they are
# read (`visit.title_<code>`, `visit.cancel_<code>` in the catalogue); a person's own words stay
# in `title` and `cancel_reason`.
TITLE_CODES = (
    "elder_visit",  # 独居老人探访
    "elder_visit_regular",  # 独居老人定期探访: made by a check-in plan
    "home_service",  # 上门服务
    "mentoring_visit",  # 一帮一走访
    "mentoring_visit_regular",  # 一帮一定期走访: made by a mentoring plan
)
CANCEL_CODES = ("mentoring_ended",)  # 一帮一结对已解除: the family's pairing was ended


def title_words(visit: Any, language: str | None = words.CHINESE) -> str:
    """The visit's title in the language: its code's words, else the title a person typed.
    `visit` is a record's dict (the phone) or a row or struct (the server)."""
    code = _field(visit, "title_code")
    return words.word(f"visit.title_{code}", language) if code else _field(visit, "title")


def cancel_words(visit: Any, language: str | None = words.CHINESE) -> str:
    """Why the visit was cancelled, in the language: its code's words, else a person's reason."""
    code = _field(visit, "cancel_code")
    return words.word(f"visit.cancel_{code}", language) if code else _field(visit, "cancel_reason")


def _field(visit: Any, name: str) -> str:
    """A text field of a visit; "" when absent (a record from a server that knew no codes)."""
    value = visit.get(name) if isinstance(visit, Mapping) else getattr(visit, name, None)
    return value or ""
