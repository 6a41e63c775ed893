"""The server's wall clock, in one place: every module asks here what time it is (services,
the console, the background round, and the db layer for its column defaults), so that no part
of the server takes its clock from another part's internals."""

from datetime import UTC, datetime

__all__ = ["utcnow"]


def utcnow() -> datetime:
    """Now, aware, in UTC (shown to people in the district's time zone at the edge)."""
    return datetime.now(UTC)
