"""The change feed: every write to a synced table captured in its transaction, in commit order,
and the conflict log. Below every domain; knows none of them."""

# Change capture attaches itself to the server's sessions when the feed is imported.
from server.feed import capture as _capture  # noqa: E402, F401
