"""The request list as a CSV file a person reads: headers and values in the chosen language
(words, not codes), times local (`DOORSTEP_TIMEZONE`), with the community and the department.
It lives with the console's words; the API's `/api/v1/requests/export.csv` and the console's
download both make it here."""

import io
from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Request, Response, get
from litestar.params import QueryParameter
from openpyxl.utils import get_column_letter
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import utcnow
from server.console.strings import translator
from server.console.views import category_names, dashboard_groups
from server.deps import Caller, Runtime_, Session
from server.export import csv_cell as _cell
from server.export import csv_download
from server.hotline import service as hotline
from server.hotline.tables import HotlineRequest
from server.org.service import departments
from shared.localtime import to_local
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


async def requests_csv_in(
    session: AsyncSession,
    requests: list[HotlineRequest],
    lang: str,
    zone: str,
    filename: str = "requests.csv",
) -> Response:
    """The requests as a CSV download in `lang`, times local in `zone` ("YYYY-MM-DD HH:MM")."""
    columns, rows = await request_table(session, requests, lang, zone)
    shown = [
        [v.strftime(LOCAL_MINUTE) if isinstance(v, datetime) else v for v in row] for row in rows
    ]
    return csv_download(columns, shown, filename)


def _width(value: Any) -> int:
    """How wide a value reads in a spreadsheet's character widths (a Chinese character is two)."""
    text = value.strftime(LOCAL_MINUTE) if isinstance(value, datetime) else str(value or "")
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


async def requests_xlsx_in(
    session: AsyncSession,
    requests: list[HotlineRequest],
    lang: str,
    zone: str,
    filename: str = "requests.xlsx",
) -> Response:
    """The requests as an Excel workbook: the CSV's columns, times as real date cells (local,
    shown "yyyy-mm-dd hh:mm"), columns wide enough that a number stays on one line, the header
    frozen. What a caller typed is text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    columns, rows = await request_table(session, requests, lang, zone)
    book = Workbook()
    sheet = book.active
    sheet.title = translator(lang)("export_sheet")
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) if isinstance(v, str) else v for v in row])
    times = [i for i, name in enumerate(COLUMNS, start=1) if name in TIMES]
    for column in times:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = "yyyy-mm-dd hh:mm"
    for i, header in enumerate(columns):
        widest = max([_width(header), *(_width(row[i]) for row in rows[:2000])])
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(widest + 2, 60)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return Response(
        content=out.getvalue(),
        media_type=XLSX,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@get(
    "/api/v1/requests/export.csv",
    tags=["hotline"],
    summary="The request list as CSV, in Chinese (default) or English, times local",
    media_type="text/csv",
)
async def export_requests(
    request: Request,
    db_session: Session,
    principal: Caller,
    runtime: Runtime_,
    lang: Annotated[Literal["zh", "en"], QueryParameter(description="headers and words")] = "zh",
    status: Annotated[RequestStatus | None, QueryParameter(description="by status")] = None,
    overdue: Annotated[bool, QueryParameter(description="only overdue ones")] = False,
) -> Response:
    rows = await hotline.search(db_session, principal.actor, status, overdue, utcnow(), 100_000)
    return await requests_csv_in(db_session, rows, lang, runtime.settings.timezone)


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
