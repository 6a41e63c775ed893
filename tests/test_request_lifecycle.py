"""The hotline request's lifecycle as plain functions: every status × every action, the stage
shares of the time limit, ratings, escalation and overdue. No database."""

from datetime import UTC, datetime, timedelta

import pytest

from shared import requests as lifecycle
from shared.requests import Level, RequestRefused
from shared.requests import RequestStatus as S

ACTIONS = [
    "dispatch",
    "assign",
    "start",
    "resolve",
    "verify",
    "send_back",
    "feedback",
    "close",
    "reopen",
    "accept",
    "transfer",
    "return",
    "approve_return",
    "refuse_return",
    "merge",
]

# status → action → the status it leads to (absent: refused)
ALLOWED: dict[S, dict[str, S]] = {
    S.RECEIVED: {"dispatch": S.DISPATCHED, "merge": S.CLOSED},
    S.DISPATCHED: {
        "merge": S.CLOSED,  # a repeat (副单) merged into its main request
        "dispatch": S.DISPATCHED,  # a subdistrict sends it on to a community
        "assign": S.ASSIGNED,
        "accept": S.IN_PROGRESS,  # a department takes it
        "transfer": S.DISPATCHED,
        "return": S.RETURN_REVIEW,  # the district reviews a department's return
    },
    S.ASSIGNED: {"assign": S.ASSIGNED, "start": S.IN_PROGRESS},
    S.IN_PROGRESS: {"resolve": S.RESOLVED, "transfer": S.DISPATCHED, "return": S.RETURN_REVIEW},
    S.RESOLVED: {"verify": S.VERIFIED, "send_back": S.IN_PROGRESS},
    S.VERIFIED: {"feedback": S.FEEDBACK_GIVEN},
    S.FEEDBACK_GIVEN: {"close": S.CLOSED, "reopen": S.DISPATCHED},
    S.CLOSED: {"reopen": S.DISPATCHED},  # 复核 after an unsatisfied 回访
    # Refused, the return goes back where the department had it (`refused_return`).
    S.RETURN_REVIEW: {"approve_return": S.DISPATCHED, "refuse_return": S.IN_PROGRESS},
}

CASES = [(status, action) for status in S for action in ACTIONS]


@pytest.mark.parametrize(("status", "action"), CASES)
def test_every_status_and_action(status, action):
    expected = ALLOWED[status].get(action)
    if expected is not None:
        assert lifecycle.transition(status.value, action) is expected
        return
    with pytest.raises(RequestRefused) as refused:
        lifecycle.transition(status, action)
    error = refused.value
    assert error.action == action and error.status is status
    words = action.replace("_", " ")
    assert error.message == f"Cannot {words} a request that is {status.value}."
    assert str(error) == error.message


def test_a_department_accepts_transfers_and_returns():
    # Routed to the water company: it accepts, then hands it to the gas company, which returns
    # it as not theirs: the district reviews the return and agrees.
    status = lifecycle.transition(S.DISPATCHED, "accept")
    assert status is S.IN_PROGRESS
    status = lifecycle.transition(status, "transfer")
    assert status is S.DISPATCHED
    status = lifecycle.transition(status, "return")
    assert status is S.RETURN_REVIEW
    assert lifecycle.transition(status, "approve_return") is S.DISPATCHED
    assert lifecycle.refused_return(S.DISPATCHED) is S.DISPATCHED
    assert lifecycle.refused_return(S.IN_PROGRESS) is S.IN_PROGRESS
    assert lifecycle.refused_return(S.RESOLVED) is S.IN_PROGRESS
    with pytest.raises(RequestRefused) as refused:
        lifecycle.transition(S.RESOLVED, "accept")
    assert str(refused.value) == "Cannot accept a request that is resolved."


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        lifecycle.transition(S.RECEIVED, "teleport")


START = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)

# status → its share of the category's time limit
SHARES = [
    (S.RECEIVED, 0.1),
    (S.DISPATCHED, 0.1),
    (S.ASSIGNED, 0.2),
    (S.IN_PROGRESS, 0.6),
    (S.RESOLVED, 0.2),
    (S.VERIFIED, 0.2),
    (S.RETURN_REVIEW, 0.1),
]


@pytest.mark.parametrize(("status", "share"), SHARES)
@pytest.mark.parametrize("limit_hours", [10, 24, 72])
def test_each_stage_takes_its_share_of_the_limit(status, share, limit_hours):
    due = lifecycle.stage_due(status.value, START, limit_hours)
    assert due == START + timedelta(hours=limit_hours * share)
    assert lifecycle.STAGE_SHARE[status] == share


@pytest.mark.parametrize("status", [S.FEEDBACK_GIVEN, S.CLOSED])
def test_the_last_stages_have_no_clock(status):
    assert lifecycle.stage_due(status, START, 24) is None


def test_a_stage_gets_at_least_a_quarter_of_an_hour():
    assert lifecycle.stage_due(S.RECEIVED, START, 1) == START + timedelta(minutes=15)
    assert lifecycle.stage_due(S.RECEIVED, START, 0) == START + timedelta(minutes=15)
    # Just above the floor the share counts.
    assert lifecycle.stage_due(S.RECEIVED, START, 3) == START + timedelta(hours=0.3)


@pytest.mark.parametrize(
    ("score", "action"), [(1, "reopen"), (2, "reopen"), (3, "close"), (4, "close"), (5, "close")]
)
def test_a_rating_closes_or_reopens(score, action):
    assert lifecycle.after_rating(score) == action


@pytest.mark.parametrize("score", [0, 6, -1])
def test_a_rating_is_one_to_five(score):
    with pytest.raises(ValueError) as refused:
        lifecycle.after_rating(score)
    assert str(refused.value) == "a rating is 1 to 5"


@pytest.mark.parametrize(
    ("level", "up"),
    [
        (Level.DEPARTMENT, Level.SUBDISTRICT),
        (Level.COMMUNITY, Level.SUBDISTRICT),
        (Level.SUBDISTRICT, Level.DISTRICT),
        (Level.DISTRICT, None),
        ("community", Level.SUBDISTRICT),
        ("department", Level.SUBDISTRICT),
    ],
)
def test_escalation_goes_one_level_up(level, up):
    assert lifecycle.level_up(level) is up


def test_an_unknown_level_is_refused():
    with pytest.raises(ValueError):
        lifecycle.level_up("province")


@pytest.mark.parametrize("status", [s for s in S if s is not S.CLOSED])
def test_open_requests_are_overdue_only_past_their_due_time(status):
    assert lifecycle.is_overdue(status, START, START + timedelta(seconds=1))
    assert not lifecycle.is_overdue(status.value, START, START)
    assert not lifecycle.is_overdue(status, START, START - timedelta(seconds=1))


def test_a_closed_request_is_never_overdue():
    assert not lifecycle.is_overdue(S.CLOSED, START, START + timedelta(days=30))
    assert not lifecycle.is_overdue("closed", START, START + timedelta(days=30))
