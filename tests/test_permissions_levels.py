"""The levels' permission rules as tables: subdistrict offices, member departments and
inspectors. Plain functions of `shared/permissions.py`, no database."""

import uuid

import pytest

from shared.enums import Role
from shared.permissions import (
    Actor,
    may_act_on_request,
    may_answer_note,
    may_dispatch_to,
    may_supervise_request,
    may_work_for_department,
    sees_request,
)

DISTRICT = "D01"
S01 = "D01/D01-S01"
C01 = "D01/D01-S01/D01-S01-C01"
S02 = "D01/D01-S02"
OTHER = "D01/D01-S02/D01-S02-C01"

ME = uuid.UUID(int=1)
WATER = uuid.UUID(int=10)
POWER = uuid.UUID(int=11)

W, S, D, A = Role.WORKER, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN
DEP, INS = Role.DEPARTMENT, Role.INSPECTOR


def actor(role: Role, path: str, department: uuid.UUID | None = None) -> Actor:
    return Actor(ME, role, path, None, department)


# role, actor's unit, actor's department, community, holder, request's department → sees it?
SEES = [
    # A request held by a subdistrict office, not yet in a community.
    (S, S01, None, None, S01, None, True),
    (S, C01, None, None, S01, None, False),  # the community does not see its office's queue
    (S, S02, None, None, S01, None, False),
    (D, DISTRICT, None, None, S01, None, True),
    (D, DISTRICT, None, None, None, None, True),
    (S, S01, None, None, None, None, False),  # held by the district
    # Departments: their own department's requests, in every community, and nothing else.
    (DEP, DISTRICT, WATER, C01, C01, WATER, True),
    (DEP, DISTRICT, WATER, OTHER, None, WATER, True),
    (DEP, DISTRICT, WATER, None, None, WATER, True),
    (DEP, DISTRICT, WATER, C01, C01, POWER, False),
    (DEP, DISTRICT, WATER, C01, C01, None, False),
    (DEP, DISTRICT, None, C01, C01, None, False),
    # Inspectors read their subtree like a manager.
    (INS, DISTRICT, None, None, None, None, True),
    (INS, DISTRICT, None, OTHER, OTHER, WATER, True),
    (INS, S01, None, C01, C01, None, True),
    (INS, S01, None, OTHER, OTHER, None, False),
    (INS, S01, None, None, S01, None, True),
    # A worker sees only what is assigned to them.
    (W, C01, None, C01, C01, WATER, False),
]


@pytest.mark.parametrize(
    ("role", "unit", "dept", "community", "holder", "routed", "expected"), SEES
)
def test_who_sees_a_request_through_the_levels(
    role, unit, dept, community, holder, routed, expected
):
    assert sees_request(actor(role, unit, dept), community, None, holder, routed) is expected


# role, actor's unit, community, holder → may dispatch, assign, verify (managers only)?
ACTS = [
    (S, S01, None, S01, True),
    (S, S01, C01, C01, True),
    (S, C01, None, S01, False),
    (D, DISTRICT, None, S01, True),
    (INS, DISTRICT, C01, C01, False),  # inspectors change no state
    (INS, S01, None, S01, False),
    (DEP, DISTRICT, C01, C01, False),  # departments act through their own steps
    (W, C01, C01, C01, False),
]


@pytest.mark.parametrize(("role", "unit", "community", "holder", "expected"), ACTS)
def test_who_may_act_on_a_request_through_the_levels(role, unit, community, holder, expected):
    assert may_act_on_request(actor(role, unit, WATER), community, holder) is expected


# role, actor's unit, target unit → may send a request there?
DISPATCH_TO = [
    (D, DISTRICT, S01, True),
    (D, DISTRICT, C01, True),
    (S, S01, C01, True),
    (S, S01, OTHER, False),
    (S, S01, S02, False),
    (S, C01, S01, False),  # never up the tree
    (INS, DISTRICT, C01, False),
    (DEP, DISTRICT, C01, False),
    (W, C01, C01, False),
]


@pytest.mark.parametrize(("role", "unit", "target", "expected"), DISPATCH_TO)
def test_who_may_send_a_request_to_a_unit(role, unit, target, expected):
    assert may_dispatch_to(actor(role, unit), target) is expected


# role, actor's department, request's department → may accept, resolve, transfer, return?
DEPARTMENT_STEPS = [
    (DEP, WATER, WATER, True),
    (DEP, WATER, POWER, False),
    (DEP, WATER, None, False),
    (DEP, None, None, False),
    (S, WATER, WATER, False),
    (A, None, WATER, False),
    (INS, None, WATER, False),
]


@pytest.mark.parametrize(("role", "dept", "routed", "expected"), DEPARTMENT_STEPS)
def test_who_works_a_request_for_a_department(role, dept, routed, expected):
    assert may_work_for_department(actor(role, DISTRICT, dept), routed) is expected


# role, actor's unit, actor's department, community, holder, routed → (may note, may answer)
NOTES = [
    (INS, DISTRICT, None, C01, C01, None, (True, False)),
    (INS, S01, None, OTHER, OTHER, None, (False, False)),
    (INS, S01, None, None, S01, None, (True, False)),
    (S, C01, None, C01, C01, None, (False, True)),
    (S, S01, None, None, S01, None, (False, True)),
    (D, DISTRICT, None, C01, C01, WATER, (False, True)),
    (DEP, DISTRICT, WATER, C01, C01, WATER, (False, True)),
    (DEP, DISTRICT, POWER, C01, C01, WATER, (False, False)),
    (W, C01, None, C01, C01, None, (False, False)),
]


@pytest.mark.parametrize(
    ("role", "unit", "dept", "community", "holder", "routed", "expected"), NOTES
)
def test_who_notes_and_who_answers(role, unit, dept, community, holder, routed, expected):
    who = actor(role, unit, dept)
    assert (
        may_supervise_request(who, community, holder),
        may_answer_note(who, community, holder, routed),
    ) == expected


# role, actor's unit, visit's community → sees the visit (not assigned to them)?
VISITS = [
    (INS, DISTRICT, OTHER, True),
    (INS, S01, C01, True),
    (INS, S01, OTHER, False),
    (S, S01, C01, True),
    (DEP, DISTRICT, C01, False),
    (W, C01, C01, False),
]


@pytest.mark.parametrize(("role", "unit", "community", "expected"), VISITS)
def test_who_reads_the_visits_of_a_subtree(role, unit, community, expected):
    from datetime import UTC, datetime

    from shared.permissions import sees_visit

    now = datetime.now(UTC)
    assert sees_visit(actor(role, unit), community, None, "assigned", None, now) is expected
