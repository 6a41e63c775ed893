"""The console's reports (报表): the figures of `GET /api/v1/stats` for a local day, week or
month (日报, 周报, 月报), by subdistrict and by department, a 红黑榜 ranking both, charts drawn
by the vendored ECharts (each with its table as the text alternative), and the same figures
as .xlsx."""

import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get
from litestar.response import Template
from litestar.static_files import create_static_files_router
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.service import Principal
from server.clock import utcnow
from server.console.session import language, page
from server.console.strings import translator
from server.console.urls import FOLDER, PREFIX, url
from server.deps import Runtime_, Session, Viewer
from server.errors import Refusal
from server.hotline import service as hotline
from server.hotline.schemas import StatsPublic, StatsRowPublic
from shared.localtime import to_local

STATIC = Path(__file__).resolve().parent.parent / "static"
PERIODS = ("day", "week", "month")
RATES = (
    "response_rate",
    "resolution_rate",
    "satisfaction_rate",
    "on_time_rate",
    "first_time_rate",
    "callback_rate",
    "repeat_rate",
)
# The 红黑榜 ranks by the "三率" (响应率, 解决率, 满意率): their mean over those that count.
RANKED_BY = ("response_rate", "resolution_rate", "satisfaction_rate")
LIST_LENGTH = 3  # the red list's and the black list's length
# The reports page runs two scripts of the server's own; every other page runs none.
SCRIPT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; connect-src 'none'"
)


def period_range(period: str, day: date) -> tuple[date, date]:
    """The local days a report covers: the day; its week, Monday to Sunday; its month."""
    if period == "day":
        return day, day
    if period == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _asked(request: Request, timezone: str) -> tuple[str, date]:
    """The period and the day the viewer asked for (default: this month, today locally)."""
    period = request.query_params.get("period") or "month"
    if period not in PERIODS:
        raise Refusal("invalid_request", f"period is one of {', '.join(PERIODS)}.", 400)
    text = request.query_params.get("date") or ""
    if not text:
        return period, to_local(utcnow(), timezone).date()
    try:
        return period, date.fromisoformat(text)
    except ValueError:
        raise Refusal("invalid_request", "date is a day: YYYY-MM-DD.", 400) from None


def _score(row: StatsRowPublic) -> float | None:
    counted = [getattr(row, rate) for rate in RANKED_BY if getattr(row, rate) is not None]
    return sum(counted) / len(counted) if counted else None


def ranking(rows: list[StatsRowPublic]) -> dict[str, list[tuple[StatsRowPublic, float]]]:
    """红榜 (the best) and 黑榜 (the worst) by the mean of the 三率, of the groups with any
    request counted; a group on the red list is never also on the black one."""
    scored = [(row, score) for row in rows if (score := _score(row)) is not None]
    scored.sort(key=lambda pair: (-pair[1], pair[0].key))
    red = scored[:LIST_LENGTH]
    rest = [pair for pair in scored if pair not in red]
    black = sorted(rest, key=lambda pair: (pair[1], pair[0].key))[:LIST_LENGTH]
    return {"red": red, "black": black}


async def figures(
    session: AsyncSession, viewer: Principal, start: date, end: date
) -> dict[str, StatsPublic]:
    """The report's figures, as the API gives them: by subdistrict and by department."""
    return await hotline.stats_by(
        session, viewer.actor, start, end, ("subdistrict", "department"), utcnow()
    )


def data_block(data: dict[str, Any]) -> Markup:
    """JSON for a `<script type="application/json">` block: no character in it can end the
    block or start markup (names come from the database)."""
    text = json.dumps(data, ensure_ascii=False)
    for character, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(character, escaped)
    return Markup(text)  # escaped above for its place


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _chart_data(tables: dict[str, StatsPublic], tr) -> dict[str, Any]:
    """What the charts draw (read by reports.js from the page, never fetched)."""
    rows = tables["subdistrict"].rows
    return {
        "names": [row.name for row in rows],
        "received": [row.received for row in rows],
        "closed": [row.closed for row in rows],
        "labels": {key: tr(f"rate_{key}") for key in RANKED_BY}
        | {"received": tr("st_received"), "closed": tr("st_closed")},
        "rates": {key: [_percent(getattr(r, key)) for r in rows] for key in RANKED_BY},
    }


class Reports(Controller):
    """日报, 周报, 月报 and their .xlsx (the console's router supplies the session)."""

    @get("/reports/", name="console.reports", opt=FOLDER)
    async def reports(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Template:
        period, day = _asked(request, runtime.settings.timezone)
        start, end = period_range(period, day)
        tables = await figures(db_session, viewer, start, end)
        tr = translator(language(request))
        shown = page(
            request,
            runtime,
            "reports.html",
            viewer,
            period=period,
            periods=PERIODS,
            day=day.isoformat(),
            start=start,
            end=end,
            tables=tables,
            rates=RATES,
            ranked={by: ranking(table.rows) for by, table in tables.items()},
            chart=data_block(_chart_data(tables, tr)),
            xlsx=url(request, "console.reports_xlsx", {"period": period, "date": day}),
            script=url(request, "console.static", file_path="/charts/reports.js"),
            echarts=url(request, "console.static", file_path="/vendor/echarts/echarts.min.js"),
        )
        shown.headers["content-security-policy"] = SCRIPT_POLICY
        return shown

    @get("/reports/report.xlsx", name="console.reports_xlsx")
    async def xlsx(
        self, request: Request, db_session: Session, runtime: Runtime_, viewer: Viewer
    ) -> Response:
        period, day = _asked(request, runtime.settings.timezone)
        start, end = period_range(period, day)
        tables = await figures(db_session, viewer, start, end)
        tr = translator(language(request))
        name = f"{tr('report_' + period)}-{start.isoformat()}.xlsx"
        return Response(
            workbook(tables, start, end, tr),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"content-disposition": _attachment(name)},
        )


def _attachment(name: str) -> str:
    return f"attachment; filename=\"report.xlsx\"; filename*=UTF-8''{quote(name)}"


def workbook(tables: dict[str, StatsPublic], start: date, end: date, tr) -> bytes:
    """The figures as .xlsx: a sheet per grouping, headers in words, rates as numbers shown as
    percentages, the range's days as real dates."""
    book = Workbook()
    book.remove(book.active)
    for by, table in tables.items():
        sheet = book.create_sheet(tr(f"by_{by}"))
        sheet.append([tr("report_from"), start, tr("report_to"), end])
        for cell in (sheet["B1"], sheet["D1"]):
            cell.number_format = "yyyy-mm-dd"
        headers = [tr("st_key"), tr("st_name"), tr("st_received"), tr("st_closed")]
        headers += [tr(f"rate_{rate}") for rate in RATES]
        sheet.append(headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in [*table.rows, table.total]:
            values = [row.key, row.name, row.received, row.closed]
            sheet.append(values + [getattr(row, rate) for rate in RATES])
            for cell in sheet[sheet.max_row][4:]:
                cell.number_format = "0.0%"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


STATIC_ROUTER = create_static_files_router(
    path=f"{PREFIX}/static", directories=[STATIC], name="console.static", include_in_schema=False
)
ROUTES = [STATIC_ROUTER]
