"""The request list as a CSV file a person reads: headers and values in the chosen language
(words, not codes), times local (`DOORSTEP_TIMEZONE`), with the community and the department.
It lives with the console's words; the API's `/api/v1/requests/export.csv` and the console's
download both make it here."""

import asyncio
import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Response, get
from litestar.params import QueryParameter
from litestar.response import Stream
from openpyxl.utils import get_column_letter
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import utcnow
from server.console import listing
from server.console.strings import translator
from server.console.views import category_names, dashboard_groups
from server.deps import Caller, Runtime_
from server.export import csv_cell as _cell
from server.export import csv_download
from server.hotline import service as hotline
from server.hotline.tables import HotlineRequest
from server.org.service import departments
from server.runtime import Runtime
from shared.localtime import to_local
from shared.permissions import Actor
from shared.requests import RequestStatus

COLUMNS = [
    "number",
    "status",
    "overdue",
    "level",
    "category",
    "community",
    "department",
    "held_by",
    "channel",
    "caller_name",
    "caller_phone",
    "address",
    "description",
    "received_at",
    "due_at",
    "closed_at",
    "feedback",
    "rating",
    "rating_comment",
    "escalations",
]
TIMES = {"received_at", "due_at", "closed_at"}
LOCAL_MINUTE = "%Y-%m-%d %H:%M"  # what a spreadsheet reads as a date and time
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def request_table(
    session: AsyncSession, requests: list[HotlineRequest], lang: str, zone: str
) -> tuple[list[str], list[list[Any]]]:
    """The requests as a table in `lang`: headers in words, then one row a request, its times
    as naive local datetimes (in `zone`), what the caller said, the result and the rating."""
    tr = translator(lang)
    names = await category_names(session, lang)
    members = {d.id: d.name if lang == "zh" else d.name_en for d in await departments(session)}
    now = utcnow()

    def local(moment: datetime | None) -> datetime | None:
        return (
            to_local(moment, zone).replace(tzinfo=None, second=0, microsecond=0) if moment else None
        )

    rows = []
    for row, r in zip(requests, await hotline.public(session, requests, now), strict=True):
        rows.append(
            [
                r.number,
                tr("s_" + r.status),
                tr("csv_yes") if r.overdue else tr("csv_no"),
                tr("l_" + r.level),
                names.get(r.category_code, r.category_code),
                r.community.name if r.community else "",
                members.get(r.department_id, ""),
                r.held_by.name if r.held_by else tr("l_district"),
                tr("ch_" + r.channel),
                r.caller_name,
                row.caller_phone,
                r.address,
                row.description,
                local(r.received_at),
                local(r.due_at),
                local(r.closed_at),
                row.feedback,
                r.rating,
                row.rating_comment,
                r.escalations,
            ]
        )
    return [tr("csv_" + c) for c in COLUMNS], rows


def _local_minute(row: list[Any]) -> list[Any]:
    return [v.strftime(LOCAL_MINUTE) if isinstance(v, datetime) else v for v in row]


async def _tables(
    runtime: Runtime, actor: Actor, filters: listing.Filters, lang: str
) -> AsyncIterator[list[list[Any]]]:
    """An export's rows (`request_table`), a chunk at a time. Each chunk is read and made in a
    short session of its own, closed before the rows go out: a slow or stalled download holds
    no connection and no transaction (a streamed answer is sent after the request's own session
    has closed). Requests that arrive meanwhile are newer than the first chunk: not in it."""
    maker = runtime.read_sessions or runtime.sessions
    zone, now = runtime.settings.timezone, utcnow()
    after, read = None, 0
    while read < listing.EXPORT_LIMIT:
        size = min(listing.EXPORT_CHUNK, listing.EXPORT_LIMIT - read)
        async with maker() as session:
            part, after = await listing.request_chunk(session, actor, filters, now, after, size)
            rows = (await request_table(session, part, lang, zone))[1] if part else []
        read += size
        if rows:
            yield rows
        if after is None:
            return


def requests_csv_stream(
    runtime: Runtime,
    actor: Actor,
    filters: listing.Filters,
    lang: str,
    filename: str = "requests.csv",
) -> Stream:
    """The console's request list (its filters) as CSV, streamed: a thousand requests read,
    written and let go at a time, so a year's export holds a chunk in memory, not the year."""
    tr = translator(lang)

    async def body() -> AsyncIterator[bytes]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([tr("csv_" + c) for c in COLUMNS])
        yield ("\ufeff" + out.getvalue()).encode()
        async for rows in _tables(runtime, actor, filters, lang):
            out.seek(0)
            out.truncate()
            writer.writerows([_cell(v) for v in _local_minute(row)] for row in rows)
            yield out.getvalue().encode()

    return Stream(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


async def requests_xlsx_stream(
    runtime: Runtime,
    actor: Actor,
    filters: listing.Filters,
    lang: str,
    filename: str = "requests.xlsx",
) -> Stream:
    """The console's request list as an Excel workbook made in openpyxl's write-only mode:
    rows go to a temporary file as they are made (a chunk of requests in memory at a time),
    the finished file (one without a name) is sent in pieces. The CSV's columns, times as real date
    cells (local, shown "yyyy-mm-dd hh:mm"), columns wide enough (by the first 2,000 rows) that
    a number stays on one line, the header frozen. What a caller typed is text, never a
    formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    tr = translator(lang)
    columns = [tr("csv_" + c) for c in COLUMNS]
    times = {i for i, name in enumerate(COLUMNS) if name in TIMES}
    book = Workbook(write_only=True)
    sheet = book.create_sheet(tr("export_sheet"))
    sheet.freeze_panes = "A2"
    waiting: list[list[Any]] = []  # the first rows, kept until the widths are known
    started = False

    def start() -> None:
        for i, header in enumerate(columns):
            widest = max([_width(header), *(_width(row[i]) for row in waiting)])
            sheet.column_dimensions[get_column_letter(i + 1)].width = min(widest + 2, 60)
        heads = []
        for header in columns:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = Font(bold=True)
            heads.append(cell)
        sheet.append(heads)

    def write(row: list[Any]) -> None:
        cells = []
        for i, value in enumerate(row):
            if i in times and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd hh:mm"
                cells.append(cell)
            else:
                cells.append(_cell(value) if isinstance(value, str) else value)
        sheet.append(cells)

    try:
        async for rows in _tables(runtime, actor, filters, lang):
            if started:
                for row in rows:
                    write(row)
                continue
            waiting.extend(rows)
            if len(waiting) >= 2000:
                start()
                started = True
                for row in waiting:
                    write(row)
                waiting.clear()
        if not started:
            start()
            for row in waiting:
                write(row)
        made = tempfile.TemporaryFile(prefix="doorstep-export-")  # no name on disk
        try:
            await asyncio.to_thread(book.save, made)
        except BaseException:
            made.close()
            raise
    except BaseException:
        # openpyxl keeps the rows in a temporary file of its own until the workbook is saved
        # (saving removes it); a failed or cancelled export removes it here, not at exit.
        writer = getattr(sheet, "_writer", None)
        if writer is not None and os.path.exists(writer.out):
            writer.close()
            writer.cleanup()
        raise
    # The finished workbook is read from the open file, which has no name: its space is given
    # back when it is closed (the body's end, or the garbage collector if the client left
    # before the body began), and nothing is left behind by a crash.
    made.seek(0)

    async def body() -> AsyncIterator[bytes]:
        try:
            while piece := await asyncio.to_thread(made.read, 256 * 1024):
                yield piece
        finally:
            made.close()

    return Stream(
        body(),
        media_type=XLSX,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def _width(value: Any) -> int:
    """How wide a value reads in a spreadsheet's character widths (a Chinese character is two)."""
    text = value.strftime(LOCAL_MINUTE) if isinstance(value, datetime) else str(value or "")
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


@get(
    "/api/v1/requests/export.csv",
    tags=["hotline"],
    summary="The request list as CSV, in Chinese (default) or English, times local",
    media_type="text/csv",
)
async def export_requests(
    principal: Caller,
    runtime: Runtime_,
    lang: Annotated[Literal["zh", "en"], QueryParameter(description="headers and words")] = "zh",
    status: Annotated[RequestStatus | None, QueryParameter(description="by status")] = None,
    overdue: Annotated[bool, QueryParameter(description="only overdue ones")] = False,
) -> Stream:
    """Streamed as the console's export is (a thousand requests at a time, every one that
    matches, newest first)."""
    filters = listing.Filters(values={"status": status.value} if status else {}, overdue=overdue)
    return requests_csv_stream(runtime, principal.actor, filters, lang)


ROUTES = [export_requests]


# The dashboard's CSV: one row a group, the group and its name in words, then its figures,
# each group the screen shows and each figure as the screen shows it (满意率, not the mean).
DASHBOARD_GROUPS = {
    "by_subdistrict": "l_subdistrict",
    "by_community": "l_community",
    "by_department": "department_col",
    "by_category": "csv_category",
    "by_level": "csv_level",
}
DASHBOARD_FIGURES = {
    "total": "total",
    "open": "open",
    "overdue": "overdue",
    "median_hours_to_resolve": "median_hours",
    "rated": "dash_rated",
    "satisfaction_rate": "satisfaction_rate",
}


def percent(rate: float | None) -> str:
    """A rate as the dashboard shows it: "87.5%", or "—" when nothing counts."""
    return "—" if rate is None else f"{round(rate * 100, 1)}%"


def _shown(figures, name: str):
    value = getattr(figures, name)
    if name == "satisfaction_rate":
        return percent(value)
    return "—" if value is None else value


async def dashboard_csv_in(
    session: AsyncSession, board, lang: str, filename: str = "dashboard.csv"
) -> Response:
    """The dashboard's groups (a `DashboardPublic`, for the range the screen shows) as a CSV
    download in `lang`: headers, groups, categories and levels in words
    (`views.dashboard_groups`), never codes; figures as the screen shows them."""
    tr = translator(lang)
    groups = dashboard_groups(board, await category_names(session, lang), tr)
    rows = [
        [tr(word), name, *(_shown(figures, f) for f in DASHBOARD_FIGURES)]
        for grouping, word in DASHBOARD_GROUPS.items()
        for name, figures in groups[grouping].items()
    ]
    columns = [tr("dash_group"), tr("dash_name"), *(tr(w) for w in DASHBOARD_FIGURES.values())]
    return csv_download(columns, rows, filename)
