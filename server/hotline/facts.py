"""What the figures (`GET /api/v1/stats`, the console's reports) need of each request, worked
out once from its steps and 回访 and kept (`request_figures`, one row a request), so that a
month's report reads narrow rows instead of every step of every request in it.

`facts` is the part of docs/hotline.md's rates ("The figures") that depends only on the request,
its steps and its 回访; `count` adds one request's facts to a tally as of a moment (what the clock
decides: a level that has not taken a request up past its response deadline, an open request
past its due time). `stats.py` counts the kept rows, or, with `by_facts=False`, facts made on
the spot from the steps (the tests compare the two).

The rows are kept like the dashboard's (`daily.py`): a hook notes, at each flush, every request
added, changed or deleted and every request whose steps or 回访 were added or changed, and just
before the commit makes those requests' rows again, in the same transaction (on PostgreSQL
under an advisory lock per request, in order, so that two transactions that add to one
request's timeline recompute it one after the other)."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from server.hotline import kept
from server.hotline.holidays import span_hours
from server.hotline.schemas import RequestAction
from server.hotline.tables import HotlineRequest as R
from server.hotline.tables import RequestCallback, RequestEvent
from server.hotline.tables import RequestFigures as F
from shared import requests as machine

SATISFIED_SCORE = 4  # a rating of 4 or 5 is 满意, as on the dashboard
# The steps by which the level a request was sent to takes it up (响应): a department
# accepts it, a community assigns a worker, a subdistrict office sends it on or assigns.
_TAKEN_UP = {
    "department": {RequestAction.ACCEPTED},
    "community": {RequestAction.ASSIGNED},
    "subdistrict": {RequestAction.DISPATCHED, RequestAction.ASSIGNED},
}
# Steps that take the request away from the level it was sent to before it took it up.
_TAKEN_AWAY = {RequestAction.RETURNED, RequestAction.TRANSFERRED, RequestAction.DISPATCHED}
# Requests counted by whether they took a step: 延期 granted, 退单 asked and approved.
COUNTED_STEPS = {
    RequestAction.EXTENSION_APPROVED: "extended",
    RequestAction.RETURNED: "returned",
    RequestAction.RETURN_APPROVED: "return_approved",
}
REQUEST_COLUMNS = (
    R.id,
    R.received_at,
    R.due_at,
    R.status,
    R.closed_at,
    R.reopened,
    R.repeat_of,
    R.merged_into,
)
STEP_COLUMNS = (
    RequestEvent.request_id,
    RequestEvent.ordinal,
    RequestEvent.at,
    RequestEvent.action,
    RequestEvent.params,
)
CALL_COLUMNS = (
    RequestCallback.request_id,
    RequestCallback.at,
    RequestCallback.reached,
    RequestCallback.resolved,
    RequestCallback.satisfied,
)
LOCK_CLASS = 2122
LOCK_BUCKETS = 1024
CHUNK = 1000


def taken_up(sent: Any, later: list[Any]) -> datetime | bool | None:
    """When the level `sent` went to took the request up; False when it left that level
    first (returned, transferred, sent elsewhere); None while it waits."""
    if sent.params.get("department_code"):
        level = "department"
    elif sent.params.get("level") == "subdistrict":
        level = "subdistrict"
    else:
        level = "community"
    for step in later:
        if step.action in _TAKEN_UP[level]:
            return step.at
        if step.action in _TAKEN_AWAY:
            return False
    return None


def facts(request: Any, steps: list[Any], calls: list[Any]) -> dict[str, Any]:
    """The request's row of `request_figures`: steps in order (ordinal), 回访 by time."""
    made: dict[str, Any] = {
        "request_id": request.id,
        "repeat": request.repeat_of is not None,
        "merged": request.merged_into is not None,
        "extended": False,
        "returned": False,
        "return_approved": False,
        "response": None,
        "response_due": None,
        "resolution": None,
        "satisfaction": None,
        "closed": False,
        "on_time": None,
        "first_time": None,
        "callback": None,
    }
    if made["merged"]:
        return made  # a merged repeat is counted on its main request
    for step in steps:
        if step.action in COUNTED_STEPS:
            made[COUNTED_STEPS[step.action]] = True  # however often it came
    sent = next((i for i, s in enumerate(steps) if s.action == RequestAction.DISPATCHED), None)
    if sent is not None:
        limit = span_hours(request)  # the stages' shares are of the request's own span
        deadline = machine.stage_due(machine.RequestStatus.DISPATCHED, steps[sent].at, limit)
        taken = taken_up(steps[sent], steps[sent + 1 :])
        if taken is not None:
            made["response"] = "hit" if taken is not False and taken <= deadline else "miss"
        elif deadline is not None:
            made["response"], made["response_due"] = "waiting", deadline
    reached = [c for c in calls if c.reached]
    answered = [c for c in reached if c.resolved is not None]
    if answered:
        made["resolution"] = bool(answered[-1].resolved)
    opinions: list[tuple[datetime, int, bool]] = [
        (s.at, s.ordinal, int(s.params.get("score", 0)) >= SATISFIED_SCORE)
        for s in steps
        if s.action == RequestAction.RATED
    ]
    opinions += [(c.at, 1 << 30, bool(c.satisfied)) for c in reached if c.satisfied is not None]
    if opinions:
        made["satisfaction"] = max(opinions, key=lambda o: (o[0], o[1]))[2]
    if request.status == machine.RequestStatus.CLOSED and request.closed_at is not None:
        made["closed"] = True
        made["on_time"] = request.closed_at <= request.due_at
        reworked = request.reopened > 0 or any(s.action == RequestAction.SENT_BACK for s in steps)
        made["first_time"] = not reworked
        made["callback"] = bool(reached)
    return made


def count(tally: Any, row: Any, due_at: datetime, now: datetime) -> None:
    """Add one request's facts to `tally` (stats._Tally) as of `now`."""
    tally.received += 1
    tally.count("repeat", row.repeat)
    if row.merged:
        return
    for action, name in COUNTED_STEPS.items():
        if getattr(row, name):
            tally.steps[action] += 1
    if row.response in ("hit", "miss"):
        tally.count("response", row.response == "hit")
    elif row.response == "waiting" and now > row.response_due:
        tally.count("response", False)
    if row.resolution is not None:
        tally.count("resolution", row.resolution)
    if row.satisfaction is not None:
        tally.count("satisfaction", row.satisfaction)
    if row.closed:
        tally.closed += 1
        tally.count("on_time", row.on_time)
        tally.count("first_time", row.first_time)
        tally.count("callback", row.callback)
    elif due_at < now:
        tally.count("on_time", False)


def made_for(connection: Connection, ids: list[UUID]) -> list[dict[str, Any]]:
    """The rows of these requests, from their steps and 回访 as they are now."""
    requests = connection.execute(select(*REQUEST_COLUMNS).where(R.id.in_(ids))).all()
    steps: dict[UUID, list] = defaultdict(list)
    calls: dict[UUID, list] = defaultdict(list)
    for step in connection.execute(
        select(*STEP_COLUMNS)
        .where(RequestEvent.request_id.in_(ids))
        .order_by(RequestEvent.request_id, RequestEvent.ordinal)
    ):
        steps[step.request_id].append(step)
    for call in connection.execute(
        select(*CALL_COLUMNS)
        .where(RequestCallback.request_id.in_(ids))
        .order_by(RequestCallback.request_id, RequestCallback.at)
    ):
        calls[call.request_id].append(call)
    return [facts(r, steps[r.id], calls[r.id]) for r in requests]


def recompute(connection: Connection, ids: Iterable[UUID]) -> None:
    """These requests' rows made again (a deleted request's row removed)."""
    chosen = sorted(set(ids))
    if connection.dialect.name == "postgresql":
        # A lock per bucket of requests (at most LOCK_BUCKETS, in order: no deadlock, and a
        # transaction that touches thousands does not fill the lock table).
        buckets = sorted({request_id.int % LOCK_BUCKETS for request_id in chosen})
        for bucket in buckets:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:kind, :bucket)"),
                {"kind": LOCK_CLASS, "bucket": bucket},
            )
    for i in range(0, len(chosen), CHUNK):
        part = chosen[i : i + CHUNK]
        connection.execute(delete(F).where(F.request_id.in_(part)))
        made = made_for(connection, part)
        if made:
            connection.execute(insert(F), made)


def rebuild(connection: Connection) -> int:
    """Every request's row made again (the migration that adds the table)."""
    connection.execute(delete(F))
    ids = list(connection.execute(select(R.id).order_by(R.id)).scalars())
    for i in range(0, len(ids), CHUNK):
        made = made_for(connection, ids[i : i + CHUNK])
        if made:
            connection.execute(insert(F), made)
    return len(ids)


def touch(session: Session, ids: Iterable[UUID]) -> None:
    """Requests written behind the ORM's back: their rows made again before the commit."""
    kept.note(session, "figure_requests", ids)


def _noted(session: Session) -> set[UUID]:
    """What a flush of this session changes, by the rows it counts in."""
    ids: set[UUID] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, R):
            ids.add(obj.id)
        elif isinstance(obj, (RequestEvent, RequestCallback)):
            ids.add(obj.request_id)
    ids.discard(None)  # type: ignore[arg-type]
    return ids


kept.install("request facts", "figure_requests", _noted, recompute)
