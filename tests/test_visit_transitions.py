"""The visit state machine as one table: every status × every action → where it leads, or the
code and sentence that refuse it."""

import pytest

from shared import visits
from shared.enums import VisitStatus as V

ACTIONS = ["start", "complete", "approve", "return", "assign", "cancel"]

# status → action → the status it leads to (absent: refused)
ALLOWED: dict[V, dict[str, V]] = {
    V.ASSIGNED: {"start": V.IN_PROGRESS, "assign": V.ASSIGNED, "cancel": V.CANCELLED},
    # A visit under way, or sent back, may still be reassigned or cancelled by its managers.
    V.IN_PROGRESS: {"complete": V.COMPLETED, "assign": V.ASSIGNED, "cancel": V.CANCELLED},
    V.RETURNED: {"start": V.IN_PROGRESS, "assign": V.ASSIGNED, "cancel": V.CANCELLED},
    V.COMPLETED: {"approve": V.APPROVED, "return": V.RETURNED},
    V.APPROVED: {},
    V.CANCELLED: {},
}

REASONS = {
    V.ASSIGNED: "the visit has not been started yet",
    V.IN_PROGRESS: "the visit is already in progress",
    V.COMPLETED: "the visit is already completed and waits for approval",
    V.RETURNED: "the visit was sent back and must be started again",
    V.APPROVED: "the visit was already approved by the supervisor",
    V.CANCELLED: "the visit was cancelled",
}

CASES = [(status, action) for status in V for action in ACTIONS]


@pytest.mark.parametrize(("status", "action"), CASES)
def test_every_status_and_action(status, action):
    expected = ALLOWED[status].get(action)
    assert visits.can(status, action) is (expected is not None)
    assert visits.can(status.value, action) is (expected is not None)
    if expected is not None:
        assert visits.transition(status, action) is expected
        return
    with pytest.raises(visits.TransitionRefused) as refused:
        visits.transition(status.value, action)
    error = refused.value
    assert error.action == action and error.status is status
    assert error.code == (
        "visit_closed" if status in (V.APPROVED, V.CANCELLED) else "invalid_transition"
    )
    assert error.message == f"Cannot {action} this visit: {REASONS[status]}."
    assert str(error) == error.message


@pytest.mark.parametrize("status", [V.IN_PROGRESS, V.RETURNED])
def test_a_visit_under_way_or_sent_back_can_be_cancelled_and_reassigned(status):
    assert visits.transition(status, "cancel") is V.CANCELLED
    assert visits.transition(status, "assign") is V.ASSIGNED
    # Reassigned, it starts again from the beginning; cancelled, it stays so.
    assert visits.transition(visits.transition(status, "assign"), "start") is V.IN_PROGRESS
    assert not visits.can(V.CANCELLED, "assign")


def test_open_and_closed_statuses():
    assert visits.OPEN_STATUSES == {V.ASSIGNED, V.IN_PROGRESS, V.RETURNED}
    assert visits.CLOSED_STATUSES == {V.APPROVED, V.CANCELLED}


def test_an_unknown_action_or_status_is_a_programming_error():
    with pytest.raises(ValueError) as refused:
        visits.transition(V.ASSIGNED, "teleport")
    assert str(refused.value) == "unknown visit action 'teleport'"
    with pytest.raises(ValueError):
        visits.transition("lost", "start")
    with pytest.raises(ValueError):
        visits.can(V.ASSIGNED, "teleport")
