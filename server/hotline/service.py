"""The hotline's domain logic, in one name for its callers (the API, the console, the sync
push, the demo, the background round). Each part lives in its own module:

- `intake`: registering a request, its number and community;
- `lifecycle`: dispatch to rating, the linked visit's moves, escalation;
- `queries`: who sees which request, the list, the API's shape, who may be assigned;
- `routing`: dispatch through the levels, a department's accept/resolve/transfer/return;
- `supervision`: inspectors' notes (督办), answers, and their list;
- `review`: a department's return under review, extensions (延期申请);
- `callbacks`: 回访 records and 复核; `repeats`: merging a repeat into its main request;
- `timeline`: the steps as codes; `dashboard`: the figures, in SQL; `stats`: the rates.
"""

from server.hotline.callbacks import call_back
from server.hotline.dashboard import dashboard
from server.hotline.dispatch import accept, dispatch, resolve, transfer
from server.hotline.intake import (
    community_for_address,
    create,
    earlier_request,
    place_address,
    same_address,
)
from server.hotline.lifecycle import (
    assign,
    escalate_overdue,
    give_feedback,
    rate,
    rate_as_manager,
    verify,
)
from server.hotline.queries import (
    assignable,
    categories,
    detail,
    extensions,
    is_overdue,
    public,
    search,
    supervision_notes,
    timelines,
    visible,
)
from server.hotline.repeats import merge
from server.hotline.review import (
    ask_extension,
    decide_extension,
    decide_return,
    give_back,
    pending_decisions,
)
from server.hotline.stats import stats, stats_by
from server.hotline.supervision import add_note, answer, open_notes, watch_list

__all__ = [
    "timelines",
    "ask_extension",
    "decide_extension",
    "decide_return",
    "pending_decisions",
    "call_back",
    "earlier_request",
    "merge",
    "same_address",
    "stats",
    "stats_by",
    "accept",
    "add_note",
    "answer",
    "give_back",
    "open_notes",
    "resolve",
    "supervision_notes",
    "transfer",
    "watch_list",
    "assign",
    "assignable",
    "categories",
    "community_for_address",
    "place_address",
    "create",
    "dashboard",
    "detail",
    "dispatch",
    "extensions",
    "escalate_overdue",
    "give_feedback",
    "is_overdue",
    "public",
    "rate",
    "rate_as_manager",
    "search",
    "verify",
    "visible",
]
