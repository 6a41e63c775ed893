"""The figures a 12345 platform is judged by (GET /api/v1/stats, the console's reports): each
request in the range is read once with its steps and 回访 records, and counted into the rates
as docs/hotline.md defines them. Plain Python over the rows the caller sees: every rate needs
the order of a request's steps, which one GROUP BY does not give."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.catalogue.tables import ServiceCategory
from server.errors import Refusal
from server.hotline import facts
from server.hotline.facts import SATISFIED_SCORE, taken_up  # noqa: F401 (the tests name them)
from server.hotline.queries import visible_clause
from server.hotline.schemas import (
    UNPLACED,
    UNROUTED,
    RequestAction,
    StatsPublic,
    StatsRowPublic,
)
from server.hotline.tables import HotlineRequest, RequestFigures
from server.org.service import all_units, departments, visible_units
from shared import words
from shared.enums import OrgLevel
from shared.hotline_access import may_see_figures
from shared.localtime import zone
from shared.permissions import Actor

GROUPINGS = ("subdistrict", "department", "category", "channel")
LONGEST_RANGE = timedelta(days=400)
FIRST_YEAR, LAST_YEAR = 1970, 2200  # as every time the API takes


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

    def add(self, sums: Any) -> None:
        """Add the sums of a group of kept rows (`_sums`)."""
        self.received += sums.received
        self.closed += sums.closed
        self.bases["repeat"] += sums.received
        self.hits["repeat"] += sums.repeat_hits
        for action, name in facts.COUNTED_STEPS.items():
            self.steps[action] += getattr(sums, name)
        for name in ("response", "resolution", "satisfaction", "on_time"):
            self.bases[name] += getattr(sums, f"{name}_base")
            self.hits[name] += getattr(sums, f"{name}_hits")
        for name in ("first_time", "callback"):
            self.bases[name] += sums.closed
            self.hits[name] += getattr(sums, f"{name}_hits")

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


async def stats(
    session: AsyncSession, actor: Actor, start: date, end: date, by: str, now: datetime
) -> StatsPublic:
    """The figures of the requests the actor sees (`visible_clause`) received on the local
    days `start`…`end`, by `by` (GROUPINGS) and in total."""
    return (await stats_by(session, actor, start, end, (by,), now))[by]


# What the groupings read of a request (the rest is in its `request_figures` row).
_KEY_COLUMNS = (
    HotlineRequest.id,
    HotlineRequest.due_at,
    HotlineRequest.category_code,
    HotlineRequest.channel,
    HotlineRequest.department_id,
    HotlineRequest.community_id,
    HotlineRequest.unit_id,
)


_GROUPED_BY = {
    "subdistrict": (HotlineRequest.community_id, HotlineRequest.unit_id),
    "department": (HotlineRequest.department_id,),
    "category": (HotlineRequest.category_code,),
    "channel": (HotlineRequest.channel,),
}


def _sums(columns: tuple, chosen: tuple, now: datetime):
    """The kept rows of the chosen requests summed by `columns`: for each rate its base and
    its hits (`facts.count`, said in SQL; what the clock decides, decided by `now`)."""
    F = RequestFigures
    counted = ~F.merged  # a merged repeat counts as received and as a repeat only

    def number(condition) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    late = (F.response == "waiting") & (F.response_due < now)
    answered = F.response.in_(("hit", "miss")) | late
    return (
        select(
            *columns,
            func.count().label("received"),
            number(F.repeat).label("repeat_hits"),
            number(counted & F.extended).label("extended"),
            number(counted & F.returned).label("returned"),
            number(counted & F.return_approved).label("return_approved"),
            number(counted & answered).label("response_base"),
            number(counted & (F.response == "hit")).label("response_hits"),
            number(counted & F.resolution.is_not(None)).label("resolution_base"),
            number(counted & F.resolution).label("resolution_hits"),
            number(counted & F.satisfaction.is_not(None)).label("satisfaction_base"),
            number(counted & F.satisfaction).label("satisfaction_hits"),
            number(counted & F.closed).label("closed"),
            number(counted & (F.closed | (HotlineRequest.due_at < now))).label("on_time_base"),
            number(counted & F.closed & F.on_time).label("on_time_hits"),
            number(counted & F.closed & F.first_time).label("first_time_hits"),
            number(counted & F.closed & F.callback).label("callback_hits"),
        )
        .select_from(HotlineRequest)
        .join(F, F.request_id == HotlineRequest.id)
        .where(*chosen)
        .group_by(*columns)
    )


async def stats_by(
    session: AsyncSession,
    actor: Actor,
    start: date,
    end: date,
    groupings: tuple[str, ...],
    now: datetime,
    by_facts: bool = True,
) -> dict[str, StatsPublic]:
    """`stats` by each of `groupings`, the requests read once for all of them: their kept
    rows (`request_figures`, facts.py), or with `by_facts` False their facts made here from
    their steps and 回访 (the tests compare the two)."""
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
    if by_facts:
        # Summed in the database over the range's kept rows, in one GROUP BY by every column
        # the groupings read: groups come back (a few thousand at most), not a row per request.
        columns = list(dict.fromkeys(c for by in groupings for c in _GROUPED_BY[by]))
        for group in await session.execute(_sums(tuple(columns), chosen, now)):
            for by in groupings:
                tables[by].setdefault(keys[by](group), _Tally()).add(group)
            total.add(group)
    else:
        for request, made in await _made_here(session, chosen):
            mine = [tables[by].setdefault(keys[by](request), _Tally()) for by in groupings]
            for tally in (*mine, total):
                facts.count(tally, made, request.due_at, now)
    return {
        by: StatsPublic(
            rows=[tables[by][key].row(key, names[by].get(key, key)) for key in sorted(tables[by])],
            total=total.row("all", words.word("console.stats_total")),
        )
        for by in groupings
    }


async def _made_here(session: AsyncSession, chosen: tuple) -> list[tuple[Any, Any]]:
    """(request, facts) of the chosen requests, the facts made from their steps and 回访."""
    requests = (
        await session.execute(select(*_KEY_COLUMNS).where(*chosen).order_by(HotlineRequest.id))
    ).all()
    made: list[dict[str, Any]] = []
    ids = [r.id for r in requests]
    for i in range(0, len(ids), facts.CHUNK):
        part = ids[i : i + facts.CHUNK]
        made += await session.run_sync(lambda s, part=part: facts.made_for(s.connection(), part))
    by_id = {m["request_id"]: SimpleNamespace(**m) for m in made}
    return [(r, by_id[r.id]) for r in requests]


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
