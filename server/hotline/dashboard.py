"""The district dashboard, computed in the database: one GROUP BY per grouping over the
requests the caller sees, joined to their community and subdistrict.

The median time to resolve is `percentile_cont` on PostgreSQL; SQLite has no percentile, so
there the database returns only the resolved requests' durations (one number each) and Python
takes their median.
"""

from collections import defaultdict
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.errors import Refusal
from server.hotline.queries import visible_clause
from server.hotline.schemas import UNPLACED, UNROUTED, DashboardPublic, FiguresPublic
from server.hotline.tables import HotlineRequest as R
from server.org.service import visible_units
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
) -> DashboardPublic:
    """Volumes by category and level, median hours to resolve, overdue, satisfaction (the mean
    rating and the share rated 4 or 5); by subdistrict (every one in the actor's part of the
    tree, also those with no request) and community. `since`/`until`: only the requests
    received in [since, until)."""
    if not may_see_dashboard(actor):
        raise Refusal("forbidden", "The dashboard is for supervisors and the district.")
    if since is not None and until is not None and since >= until:
        raise Refusal("invalid_request", "The range ends before it starts.", 422)
    dialect = session.get_bind().dialect.name
    scope = await visible_clause(session, actor)
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
