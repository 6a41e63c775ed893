"""Engines and sessions. SQLite runs in WAL mode with writers serialised by BEGIN IMMEDIATE."""

from typing import Any
from uuid import uuid4

import msgspec
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

# The execution option that marks an engine's transactions as read-only.
READ_ONLY = "doorstep_read_only"


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, its transactions marked read-only."""
    return engine.execution_options(**{READ_ONLY: True})


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


# JSON columns (audit details, home-safety checks) encoded by msgspec, several times faster
# than the standard library's json on the push path.
_JSON = {"json_serializer": _json_text, "json_deserializer": msgspec.json.decode}


def _statement_name() -> str:
    return f"__doorstep_{uuid4().hex}__"


# PgBouncer in transaction mode hands each transaction whichever server connection is free: a
# statement prepared in one transaction may be missing, or another's, in the next. So no
# statement caches (asyncpg's and SQLAlchemy's), and each prepared statement a name of its own.
PGBOUNCER_CONNECT_ARGS = {
    "statement_cache_size": 0,
    "prepared_statement_cache_size": 0,
    "prepared_statement_name_func": _statement_name,
}


def create_engine_for(
    url: str, pooler: str = "", connect_timeout_s: float | None = None
) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **_JSON)
        _tune_sqlite(engine)
        return engine
    # No ping before each checkout (a round trip on every request); connections are recycled
    # hourly, and one broken by a database restart fails its request and is replaced.
    connect_args = dict(PGBOUNCER_CONNECT_ARGS) if pooler == "pgbouncer" else {}
    if connect_timeout_s is not None:  # asyncpg's own default is 60 s
        connect_args["timeout"] = connect_timeout_s
    # Twenty connections, all kept: the sync gate admits as many syncs (server/sync/gate.py).
    # Ten kept and ten overflow (as before) closed an overflow connection whenever one came
    # back to a pool holding ten, and opened another for the next sync: under load a new
    # connection (and backend) every few syncs, each with its types read and its statements
    # prepared again (bench.load: 5.8 % of the server's CPU).
    return create_async_engine(
        url,
        pool_size=20,
        max_overflow=0,
        pool_recycle=3600,
        connect_args=connect_args,
        **_JSON,
    )


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
        # A read-only transaction never writes: it begins deferred and, under WAL, reads its
        # snapshot while a writer holds the lock, without waiting for it.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
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
