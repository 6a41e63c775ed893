"""The hotline: a resident's request from intake to rating, over the district tree."""

# The dashboard's figures by day attach themselves to the server's sessions when the hotline
# is imported (server/hotline/daily.py).
from server.hotline import daily as _daily  # noqa: E402, F401
from server.hotline import facts as _facts  # noqa: E402, F401
