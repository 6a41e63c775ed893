"""The funds' and the partner register's permission rules as tables: role × the actor's unit
× the record's unit → yes or no. Plain functions of `shared/permissions.py`, no database."""

import uuid

import pytest

from shared.administration import (
    may_record_activity,
    may_record_spending,
    may_register_organisation,
    may_set_budget,
    sees_funds,
    sees_organisation,
)
from shared.enums import Role
from shared.permissions import Actor

DISTRICT = "D01"
S01 = "D01/D01-S01"
C01 = "D01/D01-S01/D01-S01-C01"
C02 = "D01/D01-S01/D01-S01-C02"
OTHER = "D01/D01-S02/D01-S02-C01"

W, M, S, D, A = Role.WORKER, Role.MENTOR, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN


def actor(role: Role, path: str) -> Actor:
    return Actor(uuid.UUID(int=1), role, path)


# role, actor's unit, fund's unit → sees the fund (and, for the values after, may spend from it)
FUNDS = [
    # (role, actor unit, unit, sees, may spend)
    (A, DISTRICT, DISTRICT, True, True),
    (A, DISTRICT, OTHER, True, True),
    (D, DISTRICT, C01, True, False),  # dispatchers read, never spend
    (S, S01, S01, True, True),
    (S, S01, C02, True, True),
    (S, S01, OTHER, False, False),
    (S, S01, DISTRICT, False, False),
    (S, C01, C01, True, True),
    (S, C01, C02, False, False),
    (S, C01, S01, False, False),
    (W, C01, C01, False, False),
    (M, C01, C01, False, False),
]


@pytest.mark.parametrize(("role", "mine", "unit", "sees", "spends"), FUNDS)
def test_funds(role, mine, unit, sees, spends):
    assert sees_funds(actor(role, mine), unit) is sees
    assert may_record_spending(actor(role, mine), unit) is spends


# role, actor's unit, unit → may set its budget
BUDGETS = [
    (A, DISTRICT, DISTRICT, True),
    (A, DISTRICT, C01, True),
    (A, S01, OTHER, False),
    (S, S01, C01, True),  # a subdistrict sets its communities' budgets
    (S, S01, S01, False),  # but never its own
    (S, C01, C01, False),
    (S, S01, OTHER, False),
    (D, DISTRICT, C01, False),
    (W, C01, C01, False),
    (M, C01, C01, False),
]


@pytest.mark.parametrize(("role", "mine", "unit", "expected"), BUDGETS)
def test_budgets(role, mine, unit, expected):
    assert may_set_budget(actor(role, mine), unit) is expected


# role, actor's unit, organisation's unit → sees it, may register there, may record activity
REGISTER = [
    (A, DISTRICT, C01, True, True, True),
    (D, DISTRICT, C01, True, False, False),
    (S, S01, C01, True, True, True),
    (S, S01, S01, True, True, True),
    (S, S01, OTHER, False, False, False),
    (S, C01, C01, True, True, True),
    (S, C01, S01, False, False, False),
    (W, C01, C01, True, False, True),  # a worker records its own community's team's activities
    (W, C01, C02, False, False, False),
    (W, S01, C01, True, False, False),  # …but not of a unit below its own
    (M, C01, C01, True, False, False),
]


@pytest.mark.parametrize(("role", "mine", "unit", "sees", "registers", "records"), REGISTER)
def test_register(role, mine, unit, sees, registers, records):
    who = actor(role, mine)
    assert sees_organisation(who, unit) is sees
    assert may_register_organisation(who, unit) is registers
    assert may_record_activity(who, unit) is records
