"""The web console under /console/: server-rendered pages, little JavaScript, the same
accounts, roles and services as the API (see `signin.py` and `pages.py`)."""

from server.console import exports
from server.console.levels import Levels
from server.console.pages import Console
from server.console.signin import SignIn

ROUTES = [SignIn, Console, Levels, *exports.ROUTES]
__all__ = ["ROUTES"]
