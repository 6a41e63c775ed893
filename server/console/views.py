"""What the console's templates show, made from the hotline service's answers: rows of the
request lists, a request's timeline in words, the dashboard's group names."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.addresses import service as addresses
from server.console.strings import actor_name, describe, translator
from server.errors import Refusal
from server.hotline import service as hotline
from server.hotline.schemas import UNPLACED, UNROUTED, DashboardPublic, TimelineEventPublic
from server.hotline.tables import HotlineRequest
from shared.enums import OrgLevel
from shared.localtime import to_local, zone
from shared.workdays import Pace, standing


async def category_names(session: AsyncSession, lang: str) -> dict[str, str]:
    """Each service category's name in the language, by code."""
    return {
        c.code: c.name_zh if lang == "zh" else c.name_en for c in await hotline.categories(session)
    }


async def request_rows(
    session: AsyncSession, requests: list[HotlineRequest], lang: str, now: datetime
) -> list[dict[str, Any]]:
    """One row a request for the queue and the supervision lists."""
    names = await category_names(session, lang)
    tr = translator(lang)
    rows = []
    for request, shown in zip(requests, await hotline.public(session, requests), strict=True):
        rows.append(
            {
                "id": shown.id,
                "number": shown.number,
                "status": shown.status,
                "level": shown.level,
                "caller_name": shown.caller_name,
                "community": shown.community.name if shown.community else None,
                "category": names.get(shown.category_code, shown.category_code),
                "due_at": shown.due_at,
                "overdue": hotline.is_overdue(request, now),
                "pace": pace_words(
                    shown.due_at, shown.warning_at, shown.status == "closed", now, tr
                ),
            }
        )
    return rows


def timeline_rows(events: list[TimelineEventPublic], tr) -> list[dict[str, Any]]:
    """A request's steps in words: when, who, what, and the facts and note."""
    return [
        {
            "at": event.at,
            "action": event.action,
            "actor": actor_name(event, tr),
            "step": tr("a_" + event.action),
            "note": describe(event, tr),
        }
        for event in events
    ]


def dashboard_groups(board: DashboardPublic, categories: dict[str, str], tr) -> dict[str, Any]:
    """The dashboard's groups keyed by words: category names, level names, and the words for
    requests not placed yet."""

    def named(groups: dict, word) -> dict:
        return {word(key): figures for key, figures in groups.items()}

    def place(key: str) -> str:
        return tr("unplaced") if key == UNPLACED else key

    return {
        "overall": board.overall,
        "by_category": named(board.by_category, lambda k: categories.get(k, k)),
        "by_level": named(board.by_level, lambda k: tr("l_" + k)),
        "by_subdistrict": named(board.by_subdistrict, place),
        "by_community": named(board.by_community, place),
        "by_department": named(
            board.by_department, lambda k: tr("dash_no_department") if k == UNROUTED else k
        ),
    }


def grouped_communities(units: list) -> list[tuple[str, list]]:
    """The communities among `units`, under their subdistricts' names (for an optgroup list),
    both in code order."""
    by_id = {u.id: u for u in units}
    groups: dict[str, list] = {}
    for unit in sorted(units, key=lambda u: u.code):
        if unit.level != OrgLevel.COMMUNITY:
            continue
        parent = by_id.get(unit.parent_id)
        groups.setdefault(parent.name if parent else "—", []).append(unit)
    return list(groups.items())


def assignee_rows(people: list, tr) -> list[dict[str, Any]]:
    """Who may take the work (the service's `may_be_assigned` list), workers first, each with
    their role in words."""
    order = {"worker": 0, "mentor": 1}
    return [
        {"id": p.id, "name": p.display_name, "role": tr("r_" + p.role)}
        for p in sorted(people, key=lambda p: (order.get(p.role, 2), p.display_name))
    ]


def dashboard_query(query, zone_name: str, now: datetime) -> dict[str, str]:
    """The dashboard's range as asked: this month so far (local days) when the address names
    neither end, as on a first visit; what was asked otherwise (both left empty: every
    request). A year of requests is read by day (server/hotline/daily.py), but a month is what
    an office looks at first, and the form shows it."""
    if "from" in query or "to" in query:
        return {k: query.get(k) or "" for k in ("from", "to")}
    today = to_local(now, zone_name).date()
    return {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}


DATE_YEARS = (1970, 2200)  # the dates a range may name


def date_range(query, zone_name: str) -> tuple[datetime | None, datetime | None]:
    """The dashboard's `from` and `to` (local dates, YYYY-MM-DD, both days included) as the
    UTC instants [start of `from`, start of the day after `to`); 400 `bad_date` otherwise."""

    def day(name: str) -> date | None:
        text = (query.get(name) or "").strip()
        if not text:
            return None
        try:
            found = date.fromisoformat(text)
        except ValueError:
            raise Refusal("bad_date", f"{name!r} is not a date (YYYY-MM-DD).", 400) from None
        if not DATE_YEARS[0] <= found.year <= DATE_YEARS[1]:
            # Year 1 or 9999 would overflow on the way to UTC; no request is dated there.
            raise Refusal("date_out_of_range", f"{name!r} is outside 1970–2200.", 400)
        return found

    first, last = day("from"), day("to")
    if first and last and first > last:
        # Said as what it is, not as a badly written date.
        raise Refusal("bad_range", "The range ends before it starts.", 400)
    local = zone(zone_name)

    def start(d: date) -> datetime:
        return datetime.combine(d, time(), local).astimezone(UTC)

    return (
        start(first) if first else None,
        start(last + timedelta(days=1)) if last else None,
    )


def pace_words(
    due_at: datetime, warning_at: datetime | None, closed: bool, now: datetime, tr
) -> dict[str, str]:
    """Where a request stands against its time limit, in words: 剩余 X 小时/天, 预警 (80 % of
    the limit gone), 已超时 X 小时/天; `pace` names it for the page's styles and tests."""
    shown = standing(now, due_at, warning_at, closed)
    if shown.pace is Pace.CLOSED:
        return {"pace": shown.pace, "words": ""}
    kind = "over" if shown.pace is Pace.OVERDUE else "left"
    words = tr(f"{kind}_{shown.unit}", n=shown.amount)
    if shown.pace is Pace.WARNING:
        words = f"{tr('pace_warning')} · {words}"
    return {"pace": shown.pace, "words": words}


async def approval_rows(session: AsyncSession, shown: list) -> list[dict[str, Any]]:
    """Visits waiting for approval, each naming its resident and its worker (four "独居老人
    探访" rows are told apart by whom and by whom)."""
    from sqlalchemy import select

    from server.auth.tables import User
    from server.residents.tables import Resident

    people = list({v.resident_id for v in shown})
    staff = list({v.assignee_id for v in shown if v.assignee_id})
    residents: dict = {}
    workers: dict = {}
    if people:
        found = await session.execute(
            select(Resident.id, Resident.name).where(Resident.id.in_(people))
        )
        residents = {row[0]: row[1] for row in found}
    if staff:
        found = await session.execute(select(User.id, User.display_name).where(User.id.in_(staff)))
        workers = {row[0]: row[1] for row in found}
    return [
        {
            "visit": v,
            "resident": residents.get(v.resident_id, ""),
            "worker": workers.get(v.assignee_id, "") if v.assignee_id else "",
        }
        for v in shown
    ]


async def shared_street(
    session: AsyncSession, address: str, units: list, tr
) -> tuple[list[dict[str, str]], str]:
    """When the address library (标准地址库) finds the address's street (and number) in
    several of the communities among `units`: those communities (code, name, subdistrict; by
    code) and the sentence saying why they come first; ([], "") otherwise."""
    placed = await addresses.placement(session, address)
    by_id = {u.id: u for u in units}
    candidates = [
        by_id[c] for c in placed.communities if c in by_id and by_id[c].level == OrgLevel.COMMUNITY
    ]
    if len(candidates) < 2:
        return [], ""
    candidates.sort(key=lambda u: u.code)
    where = (
        tr("street_number", street=placed.street, number=placed.number)
        if placed.number is not None
        else placed.street
    )
    said = tr(
        "dispatch_shared",
        street=where,
        count=len(candidates),
        communities=tr("list_joiner").join(u.name for u in candidates),
    )
    return [
        {
            "code": u.code,
            "name": u.name,
            "subdistrict": by_id[u.parent_id].name if u.parent_id in by_id else "",
        }
        for u in candidates
    ], said


async def dispatch_choices(session: AsyncSession, address: str, units: list, tr) -> dict[str, Any]:
    """The request page's community picker for an unplaced request: the communities a shared
    street names first (`shared_street`), each with its subdistrict; every other community the
    viewer may send to follows under its subdistrict, so that any can still be chosen. `units`
    are the units the viewer sees."""
    candidates, said = await shared_street(session, address, units, tr)
    chosen = {c["code"] for c in candidates}
    return {
        "communities": grouped_communities([u for u in units if u.code not in chosen]),
        "candidates": candidates,
        "shared_street": said,
    }
