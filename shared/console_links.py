"""The console's links, in order, each with the rule that decides who sees it: a role is shown
only what it may use. A link names its page by route name; the console makes the address."""

from shared.administration import ACCOUNT_MANAGERS, sees_funds, sees_organisation
from shared.hotline_access import may_see_figures
from shared.permissions import (
    Actor,
    holds_a_queue,
    may_manage_mentoring,
    may_see_dashboard,
    may_supervise,
    sees_inspection_list,
)

CONSOLE_LINKS = (
    ("queue", "console.queue", lambda actor: True),
    ("supervise", "console.supervise", may_supervise),
    ("mentoring", "console.mentoring", may_manage_mentoring),
    ("conflicts", "console.conflicts", may_supervise),
    (
        "my_queue",
        "console.levels",
        holds_a_queue,
    ),
    (
        "inspection",
        "console.inspection",
        sees_inspection_list,
    ),
    ("dashboard", "console.dashboard", may_see_dashboard),
    ("reports", "console.reports", may_see_figures),
    ("funds", "console.funds", lambda actor: sees_funds(actor, actor.unit_path)),
    (
        "organisations",
        "console.organisations",
        lambda actor: sees_organisation(actor, actor.unit_path),
    ),
    ("admin", "console.accounts", lambda actor: actor.role in ACCOUNT_MANAGERS),
)


def console_links(actor: Actor) -> list[tuple[str, str]]:
    """The console's links (words key, route name) that the actor may follow."""
    return [(key, route) for key, route, rule in CONSOLE_LINKS if rule(actor)]


def first_page(actor: Actor, unit_level: str) -> str:
    """The route a person lands on after signing in: their own work. The dispatcher takes
    calls (intake and the request list); an office at subdistrict level, and a department,
    its 本级待办; a community's supervisor the approvals (审核: visits to approve, requests to
    verify); an inspector the inspection list; an admin the accounts; anyone else the list."""
    from shared.enums import Role

    if actor.role is Role.ADMIN:
        return "console.accounts"
    if actor.role is Role.INSPECTOR:
        return "console.inspection"
    if actor.role is Role.DEPARTMENT:
        return "console.levels"
    if actor.role is Role.SUPERVISOR:
        return "console.supervise" if unit_level == "community" else "console.levels"
    return "console.queue"
