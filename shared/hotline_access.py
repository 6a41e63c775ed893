"""Who may call a caller back (回访), merge repeats, and read the hotline's figures: rules of
the hotline's own, built on `shared.permissions` (deny by default: a role named nowhere here
may do none of it)."""

from shared.enums import Role
from shared.permissions import (
    Actor,
    at_district_level,
    may_act_on_request,
    may_see_dashboard,
)

HOTLINE_STAFF = frozenset({Role.DISPATCHER, Role.ADMIN})


def may_call_back(actor: Actor) -> bool:
    """Recording a 回访: the district's hotline staff — its dispatchers and admins — on the
    requests they see; nobody below the district, no department, no inspector."""
    return actor.role in HOTLINE_STAFF and at_district_level(actor)


def may_merge_request(actor: Actor, community_path: str | None, holder_path: str | None) -> bool:
    """Merging a repeat (副单) into its main request (主单): a dispatcher or admin who may act
    on the request (asked of both requests)."""
    return actor.role in HOTLINE_STAFF and may_act_on_request(actor, community_path, holder_path)


def may_see_figures(actor: Actor) -> bool:
    """The rates and the reports: those the dashboard is for, and a department's staff. What
    each counts is its read scope (`sees_request`): a subdistrict its own area, a department
    its own requests, the district all."""
    return may_see_dashboard(actor) or actor.role is Role.DEPARTMENT
