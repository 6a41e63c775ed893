"""The web console under /console/: server-rendered pages, little JavaScript, the same
accounts, roles and services as the API (see `signin.py` and `pages.py`)."""

from server.console.mentoring import Mentoring
from server.console.pages import Console
from server.console.session import pages_under_console
from server.console.signin import SignIn

ROUTES = [SignIn, Console, Mentoring]
__all__ = ["ROUTES", "pages_under_console"]
