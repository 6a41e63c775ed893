"""Engines and sessions. SQLite runs in WAL mode with writers serialised by BEGIN IMMEDIATE."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session


def create_engine_for(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _tune_sqlite(engine)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take over BEGIN from the driver so that we can make it IMMEDIATE below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=30000",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:
        # A deferred transaction that reads, then writes, can fail at once with SQLITE_BUSY
        # when another writer got in between; taking the write lock up front waits instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def sessions_for(
    engine: AsyncEngine, sync_session_class: type[Session], info: dict[str, Any]
) -> async_sessionmaker[AsyncSession]:
    """Sessions of the given class; `info` is shared by every session they make."""
    return async_sessionmaker(
        engine,
        class_=AsyncSession,
        sync_session_class=sync_session_class,
        expire_on_commit=False,
        info=info,
    )
