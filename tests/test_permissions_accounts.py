"""Who may give which role where, as tables: plain functions of shared/permissions.py."""

import uuid

import pytest

from shared.administration import (
    ADMIN_GRANTS_ONLY,
    ROLE_RANK,
    may_grant,
    may_manage_account,
    may_view_accounts,
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


# giver's role, giver's unit, role given, unit it is given in → allowed?
GRANTS = [
    # An admin gives every role within its subtree.
    *[(A, DISTRICT, role, unit, True) for role in Role for unit in (DISTRICT, S01, C01, OTHER)],
    (A, S01, W, OTHER, False),
    (A, S01, A, C01, True),
    # A community supervisor: workers and mentors of its community; nothing above, nothing else.
    (S, C01, W, C01, True),
    (S, C01, M, C01, True),
    (S, C01, S, C01, False),
    (S, C01, D, C01, False),
    (S, C01, A, C01, False),
    (S, C01, W, C02, False),
    (S, C01, W, S01, False),
    (S, C01, W, OTHER, False),
    # A subdistrict supervisor appoints its communities' supervisors, not its own peers.
    (S, S01, S, C01, True),
    (S, S01, S, C02, True),
    (S, S01, S, S01, False),
    (S, S01, W, S01, True),
    (S, S01, W, C02, True),
    (S, S01, A, C01, False),
    (S, S01, D, C01, False),
    (S, S01, S, OTHER, False),
    (S, DISTRICT, S, S01, True),
    (S, DISTRICT, A, S01, False),
    # Dispatchers, workers and mentors give nothing.
    *[(giver, DISTRICT, role, C01, False) for giver in (D, W, M) for role in Role],
    (W, C01, W, C01, False),
    (M, C01, M, C01, False),
]


@pytest.mark.parametrize("giver, at, role, unit, allowed", GRANTS)
def test_who_may_give_which_role_where(giver, at, role, unit, allowed):
    assert may_grant(actor(giver, at), role, unit) is allowed
    # Changing an account that holds a role there follows the same table.
    assert may_manage_account(actor(giver, at), role, unit) is allowed


def test_nobody_but_an_admin_gives_a_role_above_its_own():
    for giver in Role:
        for role in Role:
            for unit in (DISTRICT, S01, C01):
                if may_grant(actor(giver, DISTRICT), role, unit) and giver is not A:
                    assert ROLE_RANK[role] <= ROLE_RANK[giver] and role not in ADMIN_GRANTS_ONLY


def test_every_role_has_a_rank():
    # A new role (issue 12's department, inspector) must say where it stands.
    assert set(ROLE_RANK) == set(Role)


# viewer's role, viewer's unit, account's unit → may see its devices and scope preview?
VIEWS = [
    (A, DISTRICT, OTHER, True),
    (S, S01, C01, True),
    (S, C01, C01, True),
    (S, C01, C02, False),
    (S, C01, S01, False),
    (D, DISTRICT, C01, True),
    (D, S01, OTHER, False),
    (W, C01, C01, False),
    (M, C01, C01, False),
]


@pytest.mark.parametrize("viewer, at, unit, allowed", VIEWS)
def test_who_sees_accounts_devices_and_previews(viewer, at, unit, allowed):
    assert may_view_accounts(actor(viewer, at), unit) is allowed


def test_the_scope_preview_names_every_entity_the_pull_sends():
    from server.sync.records import RECORDS as TABLES
    from server.sync.schemas import ScopeCounts

    assert set(ScopeCounts.__struct_fields__) == set(TABLES)
