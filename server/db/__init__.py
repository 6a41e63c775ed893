"""The database seam: engines for SQLite and PostgreSQL, sessions, one transaction per request."""

from server.db.engine import create_engine_for, read_only, sessions_for
from server.db.types import UTCDateTime

__all__ = ["UTCDateTime", "create_engine_for", "read_only", "sessions_for"]
