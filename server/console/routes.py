"""The web console: one Litestar `Router` under `PREFIX` (server-rendered pages, the same
accounts, roles and services as the API). What every console page shares is set here once:
the signed-in `viewer` (asked for by each page that needs a session), the way to the login
form without one, errors as pages in the person's language, no OpenAPI entry.

A new page is a handler on one of these controllers, with a `name` ("console.…") that
templates and handlers make its address from (`url_for` / `urls.url`), and its template."""

from litestar import Router
from litestar.di import Provide

from server.console import exports, reports
from server.console.addresses import AddressLibrary
from server.console.admin import Admin
from server.console.conflict_pages import ConflictPages
from server.console.error_pages import ERROR_PAGES, pages_under_console
from server.console.funds_pages import FundsConsole
from server.console.levels import Levels
from server.console.mentoring import Mentoring
from server.console.pages import Requests
from server.console.reports import Reports
from server.console.session import LoginRequired, provide_viewer, to_login
from server.console.signin import SignIn
from server.console.urls import PREFIX
from server.console.visit_pages import VisitPages
from server.console.work_order import WorkOrder

CONSOLE = Router(
    path=PREFIX,
    route_handlers=[
        SignIn,
        Requests,
        Reports,
        Levels,
        Mentoring,
        Admin,
        AddressLibrary,
        FundsConsole,
        VisitPages,
        ConflictPages,
        WorkOrder,
    ],
    dependencies={"viewer": Provide(provide_viewer)},
    exception_handlers={LoginRequired: to_login, **ERROR_PAGES},
    include_in_schema=False,
)

# The request list's CSV for the API (`/api/v1/requests/export.csv`) is made with the
# console's words, so it lives beside them; it is an API route, outside the router.
ROUTES = [CONSOLE, *exports.ROUTES, *reports.ROUTES]
__all__ = ["CONSOLE", "ROUTES", "pages_under_console"]
