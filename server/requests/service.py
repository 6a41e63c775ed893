"""The hotline's domain logic, in one name for its callers (the API, the console, the sync
push, the demo, the background round). Each part lives in its own module:

- `intake`: registering a request, its number and community;
- `lifecycle`: dispatch to rating, the linked visit's moves, escalation;
- `queries`: who sees which request, the list, the API's shape, who may be assigned;
- `timeline`: the steps as codes; `dashboard`: the figures, in SQL.
"""

from server.requests.dashboard import dashboard
from server.requests.intake import community_for_address, create
from server.requests.lifecycle import (
    assign,
    dispatch,
    escalate_overdue,
    give_feedback,
    rate,
    rate_as_caller,
    rate_as_manager,
    verify,
)
from server.requests.queries import (
    assignable,
    categories,
    detail,
    is_overdue,
    public,
    search,
    visible,
)

__all__ = [
    "assign",
    "assignable",
    "categories",
    "community_for_address",
    "create",
    "dashboard",
    "detail",
    "dispatch",
    "escalate_overdue",
    "give_feedback",
    "is_overdue",
    "public",
    "rate",
    "rate_as_caller",
    "rate_as_manager",
    "search",
    "verify",
    "visible",
]
