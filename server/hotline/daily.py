"""The dashboard's figures by local day (`request_day_figures`): kept right in the transaction
that changes a request, and read for a range of days instead of every request in it.

A day's rows are recomputed whole from that day's requests (a few hundred at a district's
volume) whenever one of them is added, removed or changes a field the figures read (`WATCHED`):
the hook below notes the days at each flush and recomputes them just before the commit, in
the same transaction. Recomputing, not adding and subtracting, keeps the rows right whatever
the write was; on PostgreSQL a transaction takes a lock per day (in day order) before it reads
the day, so two writers of one day never count without each other's request (READ COMMITTED:
the second reads after the first has committed). Bulk writes that bypass the ORM (the demo's
year, `server/demo/volume.py`) say which days they touched (`touch`).

The days are those of the district's zone (`shared.localtime.zone()`, Asia/Shanghai); a range
the console asks for in another zone is counted from the requests (`dashboard.py`)."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from server.hotline import kept
from server.hotline.tables import HotlineRequest as R
from server.hotline.tables import RequestDayFigures as F
from shared.localtime import to_local, zone

GROUPINGS = ("overall", "category", "level", "community", "department")
NOBODY = ""  # the key of "no community" and "no department"
SATISFIED_SCORE = 4
# The request's fields the figures read: a change of any other leaves its day as it was.
WATCHED = (
    "received_at",
    "category_code",
    "level",
    "community_id",
    "department_id",
    "resolved_at",
    "rating",
)
COLUMNS = (
    R.received_at,
    R.category_code,
    R.level,
    R.community_id,
    R.department_id,
    R.resolved_at,
    R.rating,
)
LOCK_CLASS = 2121  # pg_advisory_xact_lock(LOCK_CLASS, day's ordinal): one writer a day
CHUNK = 2000


def local_day(moment: datetime) -> date:
    return to_local(moment).date()


def day_start(day: date) -> datetime:
    """The UTC instant a local day starts."""
    return datetime.combine(day, time(), zone()).astimezone(UTC)


def on_day_boundary(moment: datetime | None) -> bool:
    """Whether `moment` (UTC) starts a local day of the summary's zone (None: open end)."""
    return moment is None or to_local(moment).time() == time()


def micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def group_keys(category: str, level: str, community: Any, department: Any) -> tuple:
    """(grouping, key) of each row a request counts in."""
    return (
        ("overall", "all"),
        ("category", category),
        ("level", level),
        ("community", str(community) if community else NOBODY),
        ("department", str(department) if department else NOBODY),
    )


def tally(rows: Iterable[tuple]) -> dict[tuple[date, str, str], dict[str, Any]]:
    """The figure rows of requests given as `COLUMNS`, by (day, grouping, key)."""
    out: dict[tuple[date, str, str], dict[str, Any]] = {}
    for received, category, level, community, department, resolved, rating in rows:
        day = local_day(received)
        took = micros(resolved - received) if resolved is not None else None
        for grouping, key in group_keys(category, level, community, department):
            row = out.get((day, grouping, key))
            if row is None:
                row = out[(day, grouping, key)] = {
                    "day": day,
                    "grouping": grouping,
                    "group_key": key,
                    "total": 0,
                    "rated": 0,
                    "rating_sum": 0,
                    "satisfied": 0,
                    "resolved_us": [],
                }
            row["total"] += 1
            if rating is not None:
                row["rated"] += 1
                row["rating_sum"] += rating
                row["satisfied"] += rating >= SATISFIED_SCORE
            if took is not None:
                row["resolved_us"].append(took)
    return out


def recompute(connection: Connection, days: Iterable[date]) -> None:
    """Each day's rows made again from its requests, in the caller's transaction."""
    postgresql = connection.dialect.name == "postgresql"
    for day in sorted(set(days)):
        if postgresql:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:kind, :day)"),
                {"kind": LOCK_CLASS, "day": day.toordinal()},
            )
        start, end = day_start(day), day_start(day + timedelta(days=1))
        rows = connection.execute(
            select(*COLUMNS).where(R.received_at >= start, R.received_at < end)
        ).all()
        connection.execute(delete(F).where(F.day == day))
        made = list(tally(rows).values())
        for i in range(0, len(made), CHUNK):
            connection.execute(insert(F), made[i : i + CHUNK])


def rebuild(connection: Connection) -> int:
    """Every day's rows made again from every request (the migration that adds the table);
    returns how many rows."""
    connection.execute(delete(F))
    made = list(tally(connection.execute(select(*COLUMNS)).all()).values())
    for i in range(0, len(made), CHUNK):
        connection.execute(insert(F), made[i : i + CHUNK])
    return len(made)


def touch(session: Session, days: Iterable[date]) -> None:
    """Days a bulk write changed behind the ORM's back: recomputed before the commit."""
    kept.note(session, "figure_days", days)


def _changed(obj: R) -> set[date]:
    state = inspect(obj)
    if not any(state.attrs[name].history.has_changes() for name in WATCHED):
        return set()
    history = state.attrs.received_at.history
    return {local_day(m) for m in (*history.deleted, obj.received_at) if m is not None}


def _noted(session: Session) -> set[date]:
    """What a flush of this session changes, by the rows it counts in."""
    days: set[date] = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, R) and obj.received_at is not None:
            days.add(local_day(obj.received_at))
    for obj in session.dirty:
        if isinstance(obj, R):
            days |= _changed(obj)
    return days


kept.install("request figures", "figure_days", _noted, recompute)


# Reading: the figures of a range of days, by grouping and key.


def merge_days(rows: Iterable[Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(grouping, key) → the sums of the day rows given, durations joined."""
    out: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"total": 0, "rated": 0, "rating_sum": 0, "satisfied": 0, "resolved_us": []}
    )
    for row in rows:
        into = out[(row.grouping, row.group_key)]
        into["total"] += row.total
        into["rated"] += row.rated
        into["rating_sum"] += row.rating_sum
        into["satisfied"] += row.satisfied
        into["resolved_us"].extend(row.resolved_us)
    return out


def days_query(since: datetime | None, until: datetime | None):
    """The day rows of the requests received in [since, until), both on day boundaries."""
    query = select(
        F.grouping, F.group_key, F.total, F.rated, F.rating_sum, F.satisfied, F.resolved_us
    )
    if since is not None:
        query = query.where(F.day >= local_day(since))
    if until is not None:
        query = query.where(F.day < local_day(until))
    return query
