"""The console's request lists at volume: filters read from the address (status, level,
subdistrict, community, department, category, overdue, a local date range, a search over
number, caller phone, name, address and request text), paged on the server in a stable order,
and the links to the other pages that keep the filters.

Two orders: a list (the request list, the inspection list) is newest first; a queue (本级待办,
a department's queue) is by urgency: overdue first, the most overdue on top, then the nearest
due. Both end in the id, so a page never repeats or skips a row."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import (
    Boolean,
    and_,
    case,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession

from server.console.views import date_range
from server.errors import Refusal
from server.hotline.queries import OPEN, held_clause, overdue_clause, reader, visible_clause
from server.hotline.tables import REQUEST, SEARCHED, HotlineRequest
from server.org.service import all_units, departments, subtree
from shared.enums import OrgLevel
from shared.permissions import Actor
from shared.requests import Level, RequestStatus

PAGE_SIZE = 50
NEWEST, URGENT = "newest", "urgent"
FILTERS = ("status", "level", "subdistrict", "community", "department", "category", "search")
MAX_SEARCH = 80


@dataclass
class Filters:
    """What a list is narrowed to, as the address gives it (codes, local dates, text)."""

    values: dict[str, str] = field(default_factory=dict)  # the non-empty filters, as typed
    overdue: bool = False
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1

    def query(self, **changed: Any) -> dict[str, str]:
        """The filters as an address's query (for a page link or the export), `changed` on
        top; empty values left out."""
        shown: dict[str, Any] = dict(self.values)
        if self.overdue:
            shown["overdue"] = "1"
        if self.page > 1:
            shown["page"] = str(self.page)
        shown |= changed
        return {k: str(v) for k, v in shown.items() if v not in (None, "", 0, False)}

    def link(self, path: str, **changed: Any) -> str:
        query = self.query(**changed)
        return f"{path}?{urlencode(query)}" if query else path


def read(query, zone_name: str) -> Filters:
    """The filters of a list page's address; 400 for a value no list knows (a reversed date
    range is `bad_range`, said in words)."""
    values = {
        name: (query.get(name) or "").strip()[: MAX_SEARCH if name == "search" else 60]
        for name in FILTERS
    }
    values = {k: v for k, v in values.items() if v}
    if "status" in values and values["status"] not in set(RequestStatus):
        raise Refusal("invalid_request", f"No status {values['status']!r}.", 400)
    if "level" in values and values["level"] not in set(Level):
        raise Refusal("invalid_request", f"No level {values['level']!r}.", 400)
    if "\x00" in values.get("search", ""):
        raise Refusal("invalid_request", "The search holds a NUL character.", 400)
    since, until = date_range(query, zone_name)  # a reversed range: 400 `bad_range`
    page_text = (query.get("page") or "1").strip()
    if not page_text.isdigit() or not 1 <= int(page_text) <= 100_000:
        raise Refusal("invalid_request", "The page is a number from 1.", 400)
    dates = {k: (query.get(k) or "").strip() for k in ("from", "to")}
    values |= {k: v for k, v in dates.items() if v}
    return Filters(
        values=values,
        overdue=bool(query.get("overdue")),
        since=since,
        until=until,
        page=int(page_text),
    )


def _status_is(session: AsyncSession, status: str):
    """`status = …`; on SQLite "closed" is said to hold for nearly every request (a year's
    99.7 %): SQLite keeps no histogram and would otherwise read the status index, the whole
    year, rather than the place's index (`community_id, status`) or the newest-first one."""
    equal = HotlineRequest.status == status
    if status == RequestStatus.CLOSED and session.bind.dialect.name == "sqlite":
        return func.likelihood(equal, literal_column("0.99"), type_=Boolean)
    return equal


def _escaped(text: str) -> str:
    """`text` as a LIKE pattern's literal part (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(text: str) -> str:
    return f"%{_escaped(text)}%"


async def _where(session: AsyncSession, filters: Filters, now: datetime) -> list:
    """The filters as WHERE clauses; a code that names nothing matches nothing."""
    given, clauses = filters.values, []
    if "status" in given:
        clauses.append(_status_is(session, given["status"]))
    if "level" in given:
        clauses.append(HotlineRequest.level == given["level"])
    units = {u.code: u for u in (await all_units(session)).values()}
    if "subdistrict" in given:
        unit = units.get(given["subdistrict"])
        below = [u.id for u in await subtree(session, unit.path)] if unit else []
        clauses.append(
            or_(HotlineRequest.community_id.in_(below), HotlineRequest.unit_id.in_(below))
        )
    if "community" in given:
        unit = units.get(given["community"])
        clauses.append(HotlineRequest.community_id == unit.id if unit else false())
    if "department" in given:
        member = next(
            (d for d in await departments(session) if d.code == given["department"]), None
        )
        clauses.append(HotlineRequest.department_id == member.id if member else false())
    if "category" in given:
        clauses.append(HotlineRequest.category_code == given["category"])
    if filters.overdue:
        clauses.append(overdue_clause(now))
    if filters.since:
        clauses.append(HotlineRequest.received_at >= filters.since)
    if filters.until:
        clauses.append(HotlineRequest.received_at < filters.until)
    if "search" in given:
        clauses.append(_search(session, given["search"]))
    return [c for c in clauses if c is not None]


# Fewer characters than this cannot be found inside a text by any index (trigrams), so such a
# search looks for callers whose name starts with them (an index on `caller_name`): a surname,
# or a two-character name (李娜). The list says so beside the search box.
SHORT_SEARCH = 3


def _search(session: AsyncSession, text: str):
    """The requests whose number, caller phone, name, address or text holds `text`, whatever
    its case. On SQLite, three characters or more are looked up in the trigram index (the FTS5
    table of migration 0021); on PostgreSQL each `ILIKE` is answered by its trigram index.
    Shorter: the callers whose name starts with it (`SHORT_SEARCH`)."""
    sqlite = session.bind.dialect.name == "sqlite"
    if len(text) < SHORT_SEARCH and sqlite:
        # A range on the index (SQLite compares the bytes): from `text` to `text` followed by
        # the last character there is.
        return and_(
            HotlineRequest.caller_name >= text,
            HotlineRequest.caller_name < text + "\U0010ffff",
        )
    if len(text) < SHORT_SEARCH:
        # A pattern anchored at the start: pg_trgm's index finds it by the name's first
        # trigrams (a range would depend on the database's collation).
        return HotlineRequest.caller_name.ilike(f"{_escaped(text)}%", escape="\\")
    if sqlite:
        phrase = '"' + text.replace('"', '""') + '"'  # a phrase: every character literal
        found = (
            select(column("request_id"))
            .select_from(table("hotline_request_search"))
            .where(literal_column("hotline_request_search").op("MATCH")(phrase))
        )
        return HotlineRequest.id.in_(found)
    pattern = _like(text)
    return or_(*(getattr(HotlineRequest, name).ilike(pattern, escape="\\") for name in SEARCHED))


def _order(order: str, now: datetime) -> list:
    if order == URGENT:
        late = case((overdue_clause(now), 0), else_=1)
        return [late, HotlineRequest.due_at, HotlineRequest.id]
    return [HotlineRequest.received_at.desc(), HotlineRequest.id.desc()]


@dataclass
class Page:
    """One page of a list: its requests, how many match in all, and where the others are."""

    requests: list[HotlineRequest]
    total: int
    page: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


async def requests(
    session: AsyncSession,
    actor: Actor,
    filters: Filters,
    now: datetime,
    *,
    order: str = NEWEST,
    held: bool = False,
    open_only: bool = False,
    extra: Any = None,
    size: int = PAGE_SIZE,
) -> Page:
    """A page of the requests the actor sees (only their own queue when `held`), filtered."""
    where = [await visible_clause(session, actor), *await _where(session, filters, now)]
    if held:
        where.append(await held_clause(session, actor))
    if open_only:
        where.append(HotlineRequest.status.in_(OPEN))  # by name: see `queries.OPEN`
    if extra is not None:
        where.append(extra)
    total = await session.scalar(select(func.count()).select_from(HotlineRequest).where(*where))
    rows = await session.scalars(
        select(HotlineRequest)
        .where(and_(*where))
        .order_by(*_order(order, now))
        .limit(size)
        .offset((filters.page - 1) * size)
    )
    readers = await reader(session, actor)
    found = [row for row in rows.all() if readers.reads(REQUEST, row)]
    return Page(found, total or 0, filters.page, size)


EXPORT_CHUNK = 1000  # requests read, turned into rows and let go at a time
EXPORT_LIMIT = 1_000_000  # requests in one export at most


async def request_chunk(
    session: AsyncSession,
    actor: Actor,
    filters: Filters,
    now: datetime,
    after: tuple[datetime, Any] | None,
    size: int,
) -> tuple[list[HotlineRequest], tuple[datetime, Any] | None]:
    """One chunk of an export: the next `size` requests the filters match, newest first,
    after `after` (the previous chunk's last `(received_at, id)`), and where the next chunk
    starts (None: there is none). Each chunk is its own short read (keyset paging on the lists'
    index), so an export holds no connection or transaction while its client reads."""
    where = [await visible_clause(session, actor), *await _where(session, filters, now)]
    if after is not None:
        at, last_id = after
        where.append(
            or_(
                HotlineRequest.received_at < at,
                and_(HotlineRequest.received_at == at, HotlineRequest.id < last_id),
            )
        )
    rows = (
        await session.scalars(
            select(HotlineRequest).where(*where).order_by(*_order(NEWEST, now)).limit(size)
        )
    ).all()
    readers = await reader(session, actor)
    following = (rows[-1].received_at, rows[-1].id) if len(rows) == size else None
    return [row for row in rows if readers.reads(REQUEST, row)], following


async def choices(session: AsyncSession, actor: Actor, categories: list, lang: str) -> dict:
    """What the filter form offers: the viewer's subdistricts and communities, departments,
    categories, statuses and levels."""
    mine = sorted(await subtree(session, actor.unit_path), key=lambda u: u.code)
    return {
        "statuses": list(RequestStatus),
        "levels": list(Level),
        "subdistricts": [u for u in mine if u.level == OrgLevel.SUBDISTRICT],
        "communities": [u for u in mine if u.level == OrgLevel.COMMUNITY],
        "departments": [
            (d.code, d.name if lang == "zh" else d.name_en) for d in await departments(session)
        ],
        "categories": [(c.code, c.name_zh if lang == "zh" else c.name_en) for c in categories],
    }


# The other lists (accounts, devices, organisations): a page and links to its neighbours.


def page_number(request) -> int:
    """The page asked for (from 1); 400 for anything else."""
    text = request.query_params.get("page", "1").strip()
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise Refusal("invalid_request", "The page is a number from 1.", 400)
    return int(text)


def pager(request, number: int, more: bool, kept: dict[str, str]) -> dict[str, Any]:
    """Links to the page before and after, keeping the search."""
    here = request.url.path

    def link(n: int) -> str:
        return f"{here}?{urlencode({k: v for k, v in {**kept, 'page': n}.items() if v})}"

    return {
        "page": number,
        "prev": link(number - 1) if number > 1 else None,
        "next": link(number + 1) if more else None,
    }
