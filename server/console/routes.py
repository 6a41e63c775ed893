"""The web console under /console/: server-rendered pages, little JavaScript, the same
accounts, roles and services as the API (see `signin.py` and `pages.py`)."""

from server.console.pages import Console
from server.console.signin import SignIn
from server.console.visit_pages import VisitPages

ROUTES = [SignIn, Console, VisitPages]
__all__ = ["ROUTES"]
