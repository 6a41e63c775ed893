"""The web console under /console/: server-rendered pages, little JavaScript, the same
accounts, roles and services as the API (see `signin.py` and `pages.py`)."""

from server.console import exports
from server.console.admin import Admin
from server.console.funds_pages import FundsConsole
from server.console.levels import Levels
from server.console.mentoring import Mentoring
from server.console.pages import Console
from server.console.session import pages_under_console
from server.console.signin import SignIn
from server.console.visit_pages import VisitPages

ROUTES = [SignIn, Console, Levels, *exports.ROUTES, Mentoring, Admin, FundsConsole, VisitPages]
__all__ = ["ROUTES", "pages_under_console"]
