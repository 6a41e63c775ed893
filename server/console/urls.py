"""Where the console lives and how it names its pages: the router's one prefix, and addresses
made from route names (`url`), never typed by hand (`tests/test_console_routes.py`)."""

from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.response import Redirect

PREFIX = "/console"  # the router's path; every console address is made under it
# A handler's `opt` for a page whose address ends in "/", as a folder's does (the queue, a
# level's queue): Litestar drops the slash when it makes the address, and links keep it.
FOLDER = {"folder": True}


def url(request: Request, name: str, query: dict[str, Any] | None = None, **params: Any) -> str:
    """The address of the console route `name` with its path parameters (and a query)."""
    app = request.app
    path = app.route_reverse(name, **params)
    found = app.get_handler_index_by_name(name)
    if found is not None and found["handler"].opt.get("folder"):
        path = path.rstrip("/") + "/"
    return f"{path}?{urlencode(query)}" if query else path


def redirect(
    request: Request, name: str, query: dict[str, Any] | None = None, **params: Any
) -> Redirect:
    """After a form: 303 to the named page (a reload does not post the form again)."""
    return Redirect(path=url(request, name, query, **params), status_code=303)


def is_console_path(path: str) -> bool:
    """An address under the console (where its error pages and its way back may lead)."""
    return path == PREFIX or path.startswith(PREFIX + "/")
