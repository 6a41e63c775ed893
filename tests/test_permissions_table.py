"""The hotline's permission rules as tables: role × place in the tree × record → yes or no.

Plain functions of `shared/permissions.py`, no database: the API, the console, the request
list's SQL filter and the phone's scope all call these.
"""

import uuid

import pytest

from shared.enums import Role
from shared.permissions import (
    Actor,
    may_act_on_request,
    may_be_assigned,
    may_register_request,
    sees_request,
)

DISTRICT = "D01"
S01 = "D01/D01-S01"
C01 = "D01/D01-S01/D01-S01-C01"
C02 = "D01/D01-S01/D01-S01-C02"
OTHER = "D01/D01-S02/D01-S02-C01"
UNPLACED = None  # a request not yet placed in a community

ME = uuid.UUID(int=1)
SOMEONE = uuid.UUID(int=2)

W, M, S, D, A = Role.WORKER, Role.MENTOR, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN


def actor(role: Role, path: str) -> Actor:
    return Actor(ME, role, path)


# role, actor's unit, request's community, request's assignee → sees it?
SEES_REQUEST = [
    # Managers: their subtree; unplaced requests only at district level.
    (D, DISTRICT, C01, None, True),
    (D, DISTRICT, UNPLACED, None, True),
    (A, DISTRICT, OTHER, None, True),
    (A, DISTRICT, UNPLACED, None, True),
    (S, DISTRICT, UNPLACED, None, True),
    (S, S01, C01, None, True),
    (S, S01, C02, None, True),
    (S, S01, OTHER, None, False),
    (S, S01, UNPLACED, None, False),
    (D, S01, UNPLACED, None, False),
    (S, C01, C01, None, True),
    (S, C01, C02, None, False),
    (S, C01, UNPLACED, None, False),
    # Field staff: the requests assigned to them, wherever they are.
    (W, C01, C01, ME, True),
    (W, C01, C01, SOMEONE, False),
    (W, C01, C01, None, False),
    (W, C01, UNPLACED, None, False),
    (W, C01, OTHER, ME, True),
    (M, C01, C01, ME, True),
    (M, C01, C01, None, False),
]


@pytest.mark.parametrize(("role", "unit", "community", "assignee", "expected"), SEES_REQUEST)
def test_who_sees_a_request(role, unit, community, assignee, expected):
    assert sees_request(actor(role, unit), community, assignee) is expected


# role, actor's unit, the request's community, names a resident the actor sees → may register?
REGISTERS = [
    (D, DISTRICT, UNPLACED, False, True),
    (D, DISTRICT, C01, True, True),
    (A, DISTRICT, UNPLACED, False, True),
    (W, C01, C01, True, True),
    (W, C01, C01, False, False),  # from the field: only for a resident in scope
    (W, C01, UNPLACED, False, False),
    (M, C01, C01, True, True),
    (M, C01, C01, False, False),
    (S, C01, C01, True, True),
    (S, C01, C01, False, True),  # an address in their community
    (S, C01, OTHER, False, False),
    (S, C01, UNPLACED, False, False),
    (S, S01, C02, False, True),
]


@pytest.mark.parametrize(("role", "unit", "community", "names_resident", "expected"), REGISTERS)
def test_who_may_register_a_request(role, unit, community, names_resident, expected):
    assert may_register_request(actor(role, unit), community, names_resident) is expected


# role, actor's unit, the request's community → may dispatch, assign, tell, rate?
ACTS = [
    (D, DISTRICT, C01, True),
    (D, DISTRICT, UNPLACED, True),
    (A, DISTRICT, OTHER, True),
    (S, S01, C02, True),
    (S, S01, OTHER, False),
    (S, S01, UNPLACED, False),
    (S, C01, C01, True),
    (S, C01, C02, False),
    (W, C01, C01, False),  # field staff work the visit, they do not manage the request
    (M, C01, C01, False),
]


@pytest.mark.parametrize(("role", "unit", "community", "expected"), ACTS)
def test_who_may_act_on_a_request(role, unit, community, expected):
    assert may_act_on_request(actor(role, unit), community) is expected


# the assignee's role and unit, the record's community → may be given the work?
ASSIGNABLE = [
    (W, C01, C01, True),
    (M, C01, C01, True),
    (W, C02, C01, False),  # another community
    (W, OTHER, C01, False),
    (W, S01, C01, False),  # a unit above the community does not take its work
    (M, DISTRICT, C01, False),
    (S, C01, C01, False),  # managers hand work out; they are not given it
    (D, DISTRICT, C01, False),
    (A, DISTRICT, C01, False),
    (W, C01, UNPLACED, False),  # nothing is given out before it is placed
    ("worker", C01, C01, True),  # roles as stored (strings) read the same
]


@pytest.mark.parametrize(("role", "assignee_unit", "community", "expected"), ASSIGNABLE)
def test_who_may_be_given_work(role, assignee_unit, community, expected):
    assert may_be_assigned(role, assignee_unit, community) is expected
