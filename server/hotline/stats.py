"""The figures a 12345 platform is judged by (GET /api/v1/stats, the console's reports): each
request in the range is read once with its steps and 回访 records, and counted into the rates
as docs/hotline.md defines them. Plain Python over the rows the caller sees: every rate needs
the order of a request's steps, which one GROUP BY does not give."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalogue.tables import ServiceCategory
from server.errors import Refusal
from server.hotline.holidays import span_hours
from server.hotline.queries import visible_clause
from server.hotline.schemas import (
    UNPLACED,
    UNROUTED,
    RequestAction,
    StatsPublic,
    StatsRowPublic,
)
from server.hotline.tables import HotlineRequest, RequestCallback, RequestEvent
from server.org.service import all_units, departments, visible_units
from shared import requests as machine
from shared import words
from shared.enums import OrgLevel
from shared.hotline_access import may_see_figures
from shared.localtime import zone
from shared.permissions import Actor

GROUPINGS = ("subdistrict", "department", "category", "channel")
LONGEST_RANGE = timedelta(days=400)
FIRST_YEAR, LAST_YEAR = 1970, 2200  # as every time the API takes
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
_COUNTED_STEPS = {
    RequestAction.EXTENSION_APPROVED,
    RequestAction.RETURNED,
    RequestAction.RETURN_APPROVED,
}


def taken_up(sent: RequestEvent, later: list[RequestEvent]) -> datetime | bool | None:
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


def local_range(start: date, end: date) -> tuple[datetime, datetime]:
    """[the start of `start`, the start of the day after `end`) in the district's zone."""
    if not (FIRST_YEAR <= start.year and end.year <= LAST_YEAR):
        raise Refusal("invalid_request", f"Days lie in {FIRST_YEAR}–{LAST_YEAR}.", 422)
    if end < start:
        raise Refusal("invalid_request", "The range ends before it starts.", 422)
    if end - start > LONGEST_RANGE:
        raise Refusal("invalid_request", "The range is longer than 400 days.", 422)
    here = zone()
    return (
        datetime.combine(start, time(), here),
        datetime.combine(end + timedelta(days=1), time(), here),
    )


@dataclass
class _Tally:
    """The counts behind one row's rates: each rate is `hits[name] / bases[name]`."""

    received: int = 0
    closed: int = 0
    steps: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    bases: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def count(self, name: str, hit: bool) -> None:
        self.bases[name] += 1
        self.hits[name] += int(hit)

    def row(self, key: str, name: str) -> StatsRowPublic:
        def rate(which: str) -> float | None:
            base = self.bases[which]
            return round(self.hits[which] / base, 4) if base else None

        return StatsRowPublic(
            key=key,
            name=name,
            received=self.received,
            closed=self.closed,
            response_rate=rate("response"),
            resolution_rate=rate("resolution"),
            satisfaction_rate=rate("satisfaction"),
            on_time_rate=rate("on_time"),
            first_time_rate=rate("first_time"),
            callback_rate=rate("callback"),
            repeat_rate=rate("repeat"),
            extended=self.steps[RequestAction.EXTENSION_APPROVED],
            returned=self.steps[RequestAction.RETURNED],
            return_approved=self.steps[RequestAction.RETURN_APPROVED],
        )


def _tally(
    tally: _Tally,
    request: HotlineRequest,
    steps: list[RequestEvent],
    calls: list[RequestCallback],
    limit_hours: float,
    now: datetime,
) -> None:
    """Count one request into the tally (docs/hotline.md, "The figures")."""
    tally.received += 1
    tally.count("repeat", request.repeat_of is not None)
    if request.merged_into is not None:
        return  # a merged repeat is counted on its main request
    for action in {s.action for s in steps} & _COUNTED_STEPS:
        tally.steps[action] += 1  # requests with the step, however often it came
    sent = next((i for i, s in enumerate(steps) if s.action == RequestAction.DISPATCHED), None)
    if sent is not None:
        deadline = machine.stage_due(machine.RequestStatus.DISPATCHED, steps[sent].at, limit_hours)
        taken = taken_up(steps[sent], steps[sent + 1 :])
        if taken is not None:
            tally.count("response", taken is not False and taken <= deadline)
        elif deadline is not None and now > deadline:
            tally.count("response", False)
    reached = [c for c in calls if c.reached]
    answered = [c for c in reached if c.resolved is not None]
    if answered:
        tally.count("resolution", bool(answered[-1].resolved))
    opinions: list[tuple[datetime, int, bool]] = [
        (s.at, s.ordinal, int(s.params.get("score", 0)) >= SATISFIED_SCORE)
        for s in steps
        if s.action == RequestAction.RATED
    ]
    opinions += [(c.at, 1 << 30, bool(c.satisfied)) for c in reached if c.satisfied is not None]
    if opinions:
        tally.count("satisfaction", max(opinions, key=lambda o: (o[0], o[1]))[2])
    closed = request.status == machine.RequestStatus.CLOSED and request.closed_at is not None
    if closed:
        tally.closed += 1
        tally.count("on_time", request.closed_at <= request.due_at)
        reworked = request.reopened > 0 or any(s.action == RequestAction.SENT_BACK for s in steps)
        tally.count("first_time", not reworked)
        tally.count("callback", bool(reached))
    elif request.due_at < now:
        tally.count("on_time", False)


async def stats(
    session: AsyncSession, actor: Actor, start: date, end: date, by: str, now: datetime
) -> StatsPublic:
    """The figures of the requests the actor sees (`visible_clause`) received on the local
    days `start`…`end`, by `by` (GROUPINGS) and in total."""
    return (await stats_by(session, actor, start, end, (by,), now))[by]


# What the rates read of a request, a step and a 回访: rows of these columns, not whole
# records (a month at a district's volume is ~8,000 requests and ~75,000 steps).
_REQUEST_COLUMNS = (
    HotlineRequest.id,
    HotlineRequest.received_at,
    HotlineRequest.due_at,
    HotlineRequest.status,
    HotlineRequest.closed_at,
    HotlineRequest.reopened,
    HotlineRequest.repeat_of,
    HotlineRequest.merged_into,
    HotlineRequest.category_code,
    HotlineRequest.channel,
    HotlineRequest.department_id,
    HotlineRequest.community_id,
    HotlineRequest.unit_id,
)
_STEP_COLUMNS = (
    RequestEvent.request_id,
    RequestEvent.ordinal,
    RequestEvent.at,
    RequestEvent.action,
    RequestEvent.params,
)
_CALL_COLUMNS = (
    RequestCallback.request_id,
    RequestCallback.at,
    RequestCallback.reached,
    RequestCallback.resolved,
    RequestCallback.satisfied,
)


async def stats_by(
    session: AsyncSession,
    actor: Actor,
    start: date,
    end: date,
    groupings: tuple[str, ...],
    now: datetime,
) -> dict[str, StatsPublic]:
    """`stats` by each of `groupings`, the requests read once for all of them."""
    if not may_see_figures(actor):
        raise Refusal("forbidden", "The figures are for supervisors, departments and the district.")
    for by in groupings:
        if by not in GROUPINGS:
            raise Refusal("invalid_request", f"by is one of {', '.join(GROUPINGS)}.", 400)
    since, until = local_range(start, end)
    chosen = (
        await visible_clause(session, actor),
        HotlineRequest.received_at >= since,
        HotlineRequest.received_at < until,
    )
    requests = (
        await session.execute(
            select(*_REQUEST_COLUMNS).where(*chosen).order_by(HotlineRequest.received_at)
        )
    ).all()
    steps: dict[UUID, list] = defaultdict(list)
    calls: dict[UUID, list] = defaultdict(list)
    # The steps and 回访 of the same requests, by a join rather than lists of their ids.
    for step in await session.execute(
        select(*_STEP_COLUMNS)
        .join(HotlineRequest, HotlineRequest.id == RequestEvent.request_id)
        .where(*chosen)
        .order_by(RequestEvent.request_id, RequestEvent.ordinal)
    ):
        steps[step.request_id].append(step)
    for call in await session.execute(
        select(*_CALL_COLUMNS)
        .join(HotlineRequest, HotlineRequest.id == RequestCallback.request_id)
        .where(*chosen)
        .order_by(RequestCallback.request_id, RequestCallback.at)
    ):
        calls[call.request_id].append(call)
    catalogue = {c.code: c for c in (await session.scalars(select(ServiceCategory))).all()}
    subdistricts = [
        unit.code
        for unit in await visible_units(session, actor)
        if unit.level == OrgLevel.SUBDISTRICT
    ]
    tables: dict[str, dict[str, _Tally]] = {}
    keys: dict[str, Callable] = {}
    names: dict[str, dict[str, str]] = {}
    for by in groupings:
        names[by] = await _names(session, by, catalogue)
        keys[by] = await _keys(session, by)
        # A ranking names every subdistrict, also one with no request.
        tables[by] = {code: _Tally() for code in subdistricts} if by == "subdistrict" else {}
    total = _Tally()
    for request in requests:
        limit = span_hours(request)  # the stages' shares are of the request's own span
        mine = [tables[by].setdefault(keys[by](request), _Tally()) for by in groupings]
        for tally in (*mine, total):
            _tally(tally, request, steps[request.id], calls[request.id], limit, now)
    return {
        by: StatsPublic(
            rows=[tables[by][key].row(key, names[by].get(key, key)) for key in sorted(tables[by])],
            total=total.row("all", words.word("console.stats_total")),
        )
        for by in groupings
    }


async def _names(
    session: AsyncSession, by: str, catalogue: dict[str, ServiceCategory]
) -> dict[str, str]:
    """Each group's name, in Chinese, by its key."""
    names = {key: words.word(f"console.stats_{key}") for key in (UNPLACED, UNROUTED)}
    if by == "subdistrict":
        names |= {u.code: u.name for u in (await all_units(session)).values()}
    elif by == "department":
        names |= {d.code: d.name for d in await departments(session)}
    elif by == "category":
        names |= {code: c.name_zh for code, c in catalogue.items()}
    else:
        names |= {c: words.word(f"console.ch_{c}") for c in ("phone", "web", "walk_in", "app")}
    return names


async def _keys(session: AsyncSession, by: str) -> Callable[[HotlineRequest], str]:
    """The function giving a request's group key."""
    if by == "category":
        return lambda r: r.category_code
    if by == "channel":
        return lambda r: r.channel
    if by == "department":
        codes = {d.id: d.code for d in await departments(session)}
        return lambda r: codes.get(r.department_id, UNROUTED) if r.department_id else UNROUTED
    units = await all_units(session)

    def subdistrict(request: HotlineRequest) -> str:
        place = units.get(request.community_id or request.unit_id)  # type: ignore[arg-type]
        while place is not None and place.level != OrgLevel.SUBDISTRICT:
            place = units.get(place.parent_id) if place.parent_id else None
        return place.code if place else UNPLACED

    return subdistrict
