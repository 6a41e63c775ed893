"""Who administers what: accounts (which role may be given where), the special funds and the
register of partner organisations. The field and hotline rules are in `shared.permissions`;
these build on its `Actor` and `manages`."""

from shared.enums import Role
from shared.orgtree import contains
from shared.permissions import Actor, manages

# Accounts: who may give which role where. A new role gets a rank here (a test fails for a role
# without one) and, if only an admin should hand it out, a place in ADMIN_GRANTS_ONLY.

# How far up a role stands: nobody but an admin gives a role ranked above their own.
ROLE_RANK: dict[Role, int] = {
    Role.WORKER: 1,
    Role.MENTOR: 1,
    Role.SUPERVISOR: 2,
    Role.DISPATCHER: 2,
    Role.DEPARTMENT: 1,  # a member department's staff: their own department's requests
    Role.INSPECTOR: 2,  # reads a subtree and adds supervision notes; changes no state
    Role.ADMIN: 3,
}
# Roles only an admin gives, whatever the giver's rank: the district's own posts.
ADMIN_GRANTS_ONLY = frozenset({Role.DISPATCHER, Role.DEPARTMENT, Role.INSPECTOR, Role.ADMIN})
# Who manages accounts at all (create, disable, reset, reassign).
ACCOUNT_MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def may_grant(actor: Actor, role: Role | str, unit_path: str) -> bool:
    """Whether the actor may give an account this role in this unit (creating it, or moving an
    account there).

    An admin gives any role within its subtree. A supervisor gives roles ranked below its own
    in its unit and below, and its own rank only in units strictly below its own (a subdistrict
    supervisor appoints a community's supervisor; peers do not appoint each other); never a
    role only an admin gives. Workers, mentors and dispatchers give none.
    """
    role = Role(role)
    if actor.role not in ACCOUNT_MANAGERS or not contains(actor.unit_path, unit_path):
        return False
    if actor.role is Role.ADMIN:
        return True
    if role in ADMIN_GRANTS_ONLY:
        return False
    rank, own = ROLE_RANK[role], ROLE_RANK[actor.role]
    return rank < own or (rank == own and unit_path != actor.unit_path)


def may_manage_account(actor: Actor, role: Role | str, unit_path: str) -> bool:
    """Disable, enable, reset the password of, or reassign an account that holds this role in
    this unit: whoever could have given it that role there."""
    return may_grant(actor, role, unit_path)


def may_view_accounts(actor: Actor, unit_path: str) -> bool:
    """Read an account's devices and scope preview: managers, within their subtree."""
    return manages(actor, unit_path)


# Special funds and the register of partner organisations.


def sees_funds(actor: Actor, unit_path: str) -> bool:
    """A unit's fund, its ledger and the totals below it: managers of that unit or above."""
    return manages(actor, unit_path)


def may_record_spending(actor: Actor, unit_path: str) -> bool:
    """Spending recorded by hand (not from a phone): supervisors and admins of the unit."""
    return actor.role in (Role.SUPERVISOR, Role.ADMIN) and manages(actor, unit_path)


def may_set_budget(actor: Actor, unit_path: str) -> bool:
    """A unit's yearly budget is set by an admin at or above it, or by a supervisor of a unit
    strictly above it (a subdistrict sets its communities' budgets, never its own)."""
    if actor.role is Role.ADMIN:
        return contains(actor.unit_path, unit_path)
    return (
        actor.role is Role.SUPERVISOR
        and unit_path != actor.unit_path
        and contains(actor.unit_path, unit_path)
    )


def sees_organisation(actor: Actor, unit_path: str) -> bool:
    """The register is for staff of the organisation's unit and the units above it."""
    return contains(actor.unit_path, unit_path)


def may_register_organisation(actor: Actor, unit_path: str) -> bool:
    """Adding an organisation or team: supervisors and admins of its unit."""
    return actor.role in (Role.SUPERVISOR, Role.ADMIN) and manages(actor, unit_path)


def may_record_activity(actor: Actor, unit_path: str) -> bool:
    """A team's activity: its unit's supervisors and admins, or a worker of that very unit."""
    if actor.role is Role.WORKER:
        return actor.unit_path == unit_path
    return may_register_organisation(actor, unit_path)
