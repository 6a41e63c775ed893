"""The district dashboard. For a viewer who sees every request (the district) and a range of
whole local days, it is read off the figures by day (`daily.py`: a month is ~5,000 rows
instead of every request received in it), and open and overdue are counted from the open
requests, which are few. Otherwise (a subdistrict's or a community's part of the tree, a
range that does not start at a local midnight) it is computed from the requests: one GROUP BY
per grouping over the requests the caller sees, joined to their community and subdistrict.
Both give the same figures (tests/test_dashboard_days.py holds them equal).

The median time to resolve is exact on both paths: from the durations the day rows keep; on
the direct path `percentile_cont` on PostgreSQL, and on SQLite (no percentile) the resolved
requests' durations brought to Python.
"""

from collections import defaultdict
from datetime import datetime
from statistics import median
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, case, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import True_

from server.errors import Refusal
from server.hotline import daily
from server.hotline.queries import OPEN, visible_clause
from server.hotline.schemas import UNPLACED, UNROUTED, DashboardPublic, FiguresPublic
from server.hotline.tables import HotlineRequest as R
from server.org.service import all_units, departments, visible_units
from server.org.tables import Department, OrgUnit
from shared.enums import OrgLevel
from shared.permissions import Actor, may_see_dashboard
from shared.requests import RequestStatus

_community = aliased(OrgUnit)
_subdistrict = aliased(OrgUnit)
GROUPINGS: dict[str, ColumnElement[Any]] = {
    "overall": literal("all"),
    "by_category": R.category_code,
    "by_level": R.level,
    # Written out, not bound: PostgreSQL groups by the selected expression only if the two
    # are the same text.
    "by_subdistrict": func.coalesce(_subdistrict.name, literal_column(f"'{UNPLACED}'")),
    "by_community": func.coalesce(_community.name, literal_column(f"'{UNPLACED}'")),
    "by_department": func.coalesce(Department.name, literal_column(f"'{UNROUTED}'")),
}


def _hours(dialect: str) -> ColumnElement[Any]:
    """Hours from received to resolved; NULL while not resolved."""
    if dialect == "postgresql":
        return func.extract("epoch", R.resolved_at - R.received_at) / 3600.0
    return (func.julianday(R.resolved_at) - func.julianday(R.received_at)) * 24.0


async def dashboard(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    by_days: bool = True,
) -> DashboardPublic:
    """Volumes by category and level, median hours to resolve, overdue, satisfaction (the mean
    rating and the share rated 4 or 5); by subdistrict (every one in the actor's part of the
    tree, also those with no request) and community. `since`/`until`: only the requests
    received in [since, until). `by_days` False: always from the requests (the tests compare
    the two)."""
    if not may_see_dashboard(actor):
        raise Refusal("forbidden", "The dashboard is for supervisors and the district.")
    if since is not None and until is not None and since >= until:
        raise Refusal("invalid_request", "The range ends before it starts.", 422)
    scope = await visible_clause(session, actor)
    whole_days = daily.on_day_boundary(since) and daily.on_day_boundary(until)
    if by_days and isinstance(scope, True_) and whole_days:
        board = await _board_by_days(session, now, since, until)
    else:
        board = await _board_direct(session, scope, now, since, until)
    empty = FiguresPublic(
        total=0, open=0, overdue=0, median_hours_to_resolve=None, satisfaction=None, rated=0
    )
    # Every subdistrict of the actor's part of the tree has a row, also one with no request.
    for unit in await visible_units(session, actor):
        if unit.level == OrgLevel.SUBDISTRICT:
            board["by_subdistrict"].setdefault(unit.name, empty)
    return DashboardPublic(
        overall=board.pop("overall").get("all", empty),
        by_category=board["by_category"],
        by_level=board["by_level"],
        by_subdistrict=dict(sorted(board["by_subdistrict"].items())),
        by_community=board["by_community"],
        by_department=board["by_department"],
    )


async def _board_direct(
    session: AsyncSession, scope: Any, now: datetime, since: datetime | None, until: datetime | None
) -> dict[str, dict[str, FiguresPublic]]:
    """Each grouping's figures computed from the requests in `scope` received in the range."""
    dialect = session.get_bind().dialect.name
    if since is not None:
        scope = scope & (R.received_at >= since)
    if until is not None:
        scope = scope & (R.received_at < until)
    hours = _hours(dialect)
    is_open = R.status != RequestStatus.CLOSED
    figures = [
        func.count().label("total"),
        func.sum(case((is_open, 1), else_=0)).label("open"),
        # Overdue: open past the overall due time, whatever escalation did to stage clocks.
        func.sum(case((is_open & (R.due_at < now), 1), else_=0)).label("overdue"),
        func.avg(R.rating).label("satisfaction"),
        func.count(R.rating).label("rated"),
        func.sum(case((R.rating >= 4, 1), else_=0)).label("satisfied"),
    ]
    if dialect == "postgresql":
        figures.append(func.percentile_cont(0.5).within_group(hours).label("median"))
    board: dict[str, dict[str, FiguresPublic]] = {}
    for grouping, key in GROUPINGS.items():
        joined = (
            select(key.label("key"), *figures)
            .select_from(R)
            .outerjoin(_community, _community.id == R.community_id)
            .outerjoin(_subdistrict, _subdistrict.id == _community.parent_id)
            .outerjoin(Department, Department.id == R.department_id)
            .where(scope)
        )
        if grouping != "overall":
            joined = joined.group_by(key)
        rows = (await session.execute(joined)).mappings().all()
        medians = (
            {row["key"]: row["median"] for row in rows}
            if dialect == "postgresql"
            else await _medians(session, key, hours, scope)
        )
        board[grouping] = {
            row["key"]: FiguresPublic(
                total=row["total"],
                open=int(row["open"] or 0),
                overdue=int(row["overdue"] or 0),
                median_hours_to_resolve=(
                    round(float(medians[row["key"]]), 1)
                    if medians.get(row["key"]) is not None
                    else None
                ),
                satisfaction=(
                    round(float(row["satisfaction"]), 2)
                    if row["satisfaction"] is not None
                    else None
                ),
                rated=row["rated"],
                satisfaction_rate=(
                    round(int(row["satisfied"] or 0) / row["rated"], 3) if row["rated"] else None
                ),
            )
            for row in sorted(rows, key=lambda row: str(row["key"]))
        }
    return board


async def _board_by_days(
    session: AsyncSession, now: datetime, since: datetime | None, until: datetime | None
) -> dict[str, dict[str, FiguresPublic]]:
    """Every request's figures in the range, read off the day rows; open and overdue from the
    open requests. The keys the direct path groups by: names of communities, of their
    subdistricts and of departments, as they are now."""
    units = await all_units(session)
    members = {str(d.id): d.name for d in await departments(session)}

    def community(key: str):
        return units.get(UUID(key)) if key else None

    def names(grouping: str, key: str) -> list[tuple[str, str]]:
        """(board grouping, key on the board) a day row's (grouping, key) counts in."""
        if grouping == "community":
            unit = community(key)
            parent = units.get(unit.parent_id) if unit and unit.parent_id else None
            return [
                ("by_community", unit.name if unit else UNPLACED),
                ("by_subdistrict", parent.name if parent else UNPLACED),
            ]
        if grouping == "department":
            return [("by_department", members.get(key, UNROUTED) if key else UNROUTED)]
        return [("overall" if grouping == "overall" else f"by_{grouping}", key)]

    sums: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"total": 0, "rated": 0, "rating_sum": 0, "satisfied": 0, "resolved_us": []}
    )
    days = daily.merge_days((await session.execute(daily.days_query(since, until))).all())
    for (grouping, key), figures in days.items():
        for place in names(grouping, key):
            into = sums[place]
            for name in ("total", "rated", "rating_sum", "satisfied"):
                into[name] += figures[name]
            into["resolved_us"].extend(figures["resolved_us"])
    live = select(R.category_code, R.level, R.community_id, R.department_id, R.due_at).where(
        R.status.in_(OPEN)
    )
    if since is not None:
        live = live.where(R.received_at >= since)
    if until is not None:
        live = live.where(R.received_at < until)
    opened: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for category, level, community_id, department_id, due_at in await session.execute(live):
        keys = daily.group_keys(category, level, community_id, department_id)
        for grouping, key in keys:
            for place in names(grouping, key):
                opened[place][0] += 1
                opened[place][1] += due_at < now
    board: dict[str, dict[str, FiguresPublic]] = {grouping: {} for grouping in GROUPINGS}
    for (grouping, key), figures in sorted(sums.items()):
        rated, took = figures["rated"], figures["resolved_us"]
        board[grouping][key] = FiguresPublic(
            total=figures["total"],
            open=opened[(grouping, key)][0],
            overdue=opened[(grouping, key)][1],
            median_hours_to_resolve=round(median(took) / 3_600_000_000, 1) if took else None,
            satisfaction=round(figures["rating_sum"] / rated, 2) if rated else None,
            rated=rated,
            satisfaction_rate=round(figures["satisfied"] / rated, 3) if rated else None,
        )
    return board


async def _medians(
    session: AsyncSession, key: ColumnElement[Any], hours: ColumnElement[Any], scope: Any
) -> dict[Any, float]:
    """SQLite: each group's median of the resolved requests' durations."""
    rows = await session.execute(
        select(key, hours)
        .select_from(R)
        .outerjoin(_community, _community.id == R.community_id)
        .outerjoin(_subdistrict, _subdistrict.id == _community.parent_id)
        .outerjoin(Department, Department.id == R.department_id)
        .where(scope, R.resolved_at.is_not(None))
    )
    durations: dict[Any, list[float]] = defaultdict(list)
    for group, duration in rows.all():
        durations[group].append(duration)
    return {group: median(values) for group, values in durations.items()}
