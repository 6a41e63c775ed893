"""The database as the server uses it: engines, and sessions that capture every change for the
feed and share one org-tree cache. The one place that puts the db layer, the feed and the org
tree together; the db layer itself knows neither."""

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db.engine import READ_ONLY, create_engine_for, read_only, sessions_for
from server.feed.capture import FeedSession
from server.org.service import UnitCache

__all__ = ["create_engine_for", "import_all", "session_factories", "session_factory"]


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return sessions_for(engine, FeedSession, info={"unit_cache": UnitCache()})


def session_factories(
    engine: AsyncEngine,
) -> tuple[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]]:
    """Sessions that write, and sessions that only read (deferred on SQLite, so they never
    wait for a writer; a flush in one is an error). Both share one org-tree cache."""
    cache = UnitCache()
    writes = sessions_for(engine, FeedSession, info={"unit_cache": cache})
    reads = sessions_for(
        read_only(engine), FeedSession, info={"unit_cache": cache, READ_ONLY: True}
    )
    return writes, reads


def import_all() -> None:
    """Imports every table module, so that the metadata knows them all."""
    from server.audit import tables as _audit  # noqa: F401
    from server.auth import tables as _auth  # noqa: F401
    from server.blobs import tables as _blobs  # noqa: F401
    from server.catalogue import tables as _catalogue  # noqa: F401
    from server.feed import tables as _feed  # noqa: F401
    from server.org import tables as _org  # noqa: F401
    from server.plans import tables as _plans  # noqa: F401
    from server.requests import tables as _requests  # noqa: F401
    from server.residents import tables as _residents  # noqa: F401
    from server.sync import tables as _sync  # noqa: F401
    from server.visits import tables as _visits  # noqa: F401
