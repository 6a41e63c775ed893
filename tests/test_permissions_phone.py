"""What a phone holds and what a browser reads beyond it, every role written out: how far each
role's phone reaches for each kind of record, the units and people it holds (its own unit, or a
manager's subtree; never a unit beside or above, nor one whose path merely starts the same), the
units an inspector reads in the browser, the check-ins and service records a phone holds (never
a mentor's), and the entities a browser role reads past its phone. Plain functions, no
database."""

import uuid

import pytest

from shared import permissions as rules
from shared.enums import Role
from shared.permissions import Actor

DISTRICT = "D01"
S01 = "D01/D01-S01"
C01 = "D01/D01-S01/D01-S01-C01"
C02 = "D01/D01-S01/D01-S01-C02"
OTHER = "D01/D01-S02/D01-S02-C01"
LOOKALIKE = "D01/D01-S01X"  # starts like S01, lies outside it

W, M, S, D, A = Role.WORKER, Role.MENTOR, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN
DEP, INS = Role.DEPARTMENT, Role.INSPECTOR
ALL = [W, M, S, D, A, DEP, INS]
MANAGERS = [S, D, A]


def actor(role: Role, path: str) -> Actor:
    return Actor(uuid.UUID(int=1), role, path)


FIELD = {"catalogue": "everyone", "assigned": "self", "unit": "own unit"}
MANAGER = {**FIELD, "unit": "subtree", "community": "subtree", "work": "subtree"}
REACH = {
    W: {**FIELD, "community": "own unit"},
    M: {**FIELD, "mentored": "self"},
    S: MANAGER,
    D: MANAGER,
    A: MANAGER,
    INS: {**FIELD, "community": "own unit"},
    DEP: {**FIELD, "community": "own unit"},
}
KINDS = ["catalogue", "assigned", "unit", "community", "work", "mentored", "no such kind"]


@pytest.mark.parametrize("role", ALL)
def test_how_far_each_roles_phone_reaches(role):
    reach = {kind: rules.phone_reach(actor(role, C01), kind) for kind in KINDS}
    assert reach == {kind: REACH[role].get(kind) for kind in KINDS}
    assert rules.holds_catalogue(actor(role, C01))


def test_a_role_no_table_names_reaches_nothing():
    # Not a Role at all: a phone of a role added without a reach holds nothing.
    nobody = Actor(uuid.UUID(int=1), "nobody", C01)  # type: ignore[arg-type]
    assert [rules.phone_reach(nobody, kind) for kind in KINDS] == [None] * len(KINDS)
    assert not rules.holds_catalogue(nobody)
    assert not rules.holds_unit(nobody, C01)
    assert not rules.sees_unit(nobody, C01)


@pytest.mark.parametrize("role", MANAGERS)
def test_a_managers_phone_holds_the_units_of_its_subtree(role):
    manager = actor(role, S01)
    held = {path: rules.holds_unit(manager, path) for path in (S01, C01, C02, OTHER, DISTRICT)}
    assert held == {S01: True, C01: True, C02: True, OTHER: False, DISTRICT: False}
    assert not rules.holds_unit(manager, LOOKALIKE)
    assert rules.sees_unit(manager, C01) and not rules.sees_unit(manager, OTHER)


@pytest.mark.parametrize("role", [W, M, DEP, INS])
def test_another_phone_holds_its_own_unit_only(role):
    someone = actor(role, S01)
    held = {path: rules.holds_unit(someone, path) for path in (S01, C01, OTHER, DISTRICT)}
    assert held == {S01: True, C01: False, OTHER: False, DISTRICT: False}


def test_an_inspector_reads_its_subtrees_units_in_the_browser():
    inspector = actor(INS, S01)
    seen = {path: rules.sees_unit(inspector, path) for path in (S01, C01, C02, OTHER, DISTRICT)}
    assert seen == {S01: True, C01: True, C02: True, OTHER: False, DISTRICT: False}
    assert not rules.sees_unit(inspector, LOOKALIKE)


@pytest.mark.parametrize("role", [W, M, DEP])
def test_others_see_the_units_their_phone_holds(role):
    someone = actor(role, S01)
    seen = {path: rules.sees_unit(someone, path) for path in (S01, C01, OTHER, DISTRICT)}
    assert seen == {S01: True, C01: False, OTHER: False, DISTRICT: False}


def test_the_field_records_a_phone_holds():
    assert rules.holds_field_record(actor(W, C01), C01)
    assert not rules.holds_field_record(actor(W, C01), C02)
    assert not rules.holds_field_record(actor(M, C01), C01)  # a mentor's: assistance only
    for role in MANAGERS:
        assert rules.holds_field_record(actor(role, S01), C01)
        assert not rules.holds_field_record(actor(role, S01), OTHER)
    assert rules.holds_field_record(actor(INS, S01), C02)
    assert not rules.holds_field_record(actor(DEP, C01), C01)


def test_what_a_browser_role_reads_beyond_its_phone():
    entities = [
        "resident",
        "visit",
        "checkin",
        "service_record",
        "assistance",
        "request",
        "user",
        "org_unit",
        "device",
        "audit",
    ]
    beyond = {
        role: {e for e in entities if rules.reads_beyond_phone(actor(role, C01), e)} for role in ALL
    }
    assert beyond == {
        INS: set(entities) - {"device", "audit"},
        DEP: {"request"},
        W: set(),
        M: set(),
        S: set(),
        D: set(),
        A: set(),
    }
