"""The request list as a CSV file a person reads: headers and values in the chosen language
(words, not codes), times local (`DOORSTEP_TIMEZONE`), with the community and the department.
It lives with the console's words; the API's `/api/v1/requests/export.csv` and the console's
download both make it here."""

from typing import Annotated, Literal

from litestar import Request, Response, get
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import utcnow
from server.console.strings import translator
from server.console.views import category_names, dashboard_groups
from server.deps import Caller, Runtime_, Session
from server.export import csv_download
from server.hotline import service as hotline
from server.hotline.tables import HotlineRequest
from server.org.service import departments
from shared.localtime import format_csv
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
    "address",
    "received_at",
    "due_at",
    "closed_at",
    "rating",
    "escalations",
]


async def requests_csv_in(
    session: AsyncSession,
    requests: list[HotlineRequest],
    lang: str,
    zone: str,
    filename: str = "requests.csv",
) -> Response:
    """The requests as a CSV download in `lang`, times in `zone`."""
    tr = translator(lang)
    names = await category_names(session, lang)
    members = {d.id: d.name if lang == "zh" else d.name_en for d in await departments(session)}
    now = utcnow()
    rows = []
    for r in await hotline.public(session, requests, now):
        rows.append(
            [
                r.number,
                tr("s_" + r.status),
                tr("csv_yes") if r.overdue else tr("csv_no"),
                tr("l_" + r.level),
                names.get(r.category_code, r.category_code),
                r.community.name if r.community else "",
                members.get(r.department_id, "") if r.department_id else r.department,
                r.held_by.name if r.held_by else tr("l_district"),
                tr("ch_" + r.channel),
                r.caller_name,
                r.address,
                format_csv(r.received_at, zone),
                format_csv(r.due_at, zone),
                format_csv(r.closed_at, zone),
                r.rating,
                r.escalations,
            ]
        )
    return csv_download([tr("csv_" + c) for c in COLUMNS], rows, filename)


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
