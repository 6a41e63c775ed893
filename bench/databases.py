"""Throw-away databases for benchmarks: a PostgreSQL database of their own on the local server,
or a SQLite file in a temporary folder."""

import asyncio
import os
import shutil
from pathlib import Path

PG_HOST = os.environ.get("DOORSTEP_TEST_PG_HOST", "127.0.0.1")
PG_ADMIN = f"postgresql://postgres@{PG_HOST}:5432/test"


def pg_url(name: str) -> str:
    return f"postgresql+asyncpg://postgres@{PG_HOST}:5432/{name}"


async def _admin(*statements: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def pg_create(name: str, template: str | None = None) -> str:
    """A new empty database (or a copy of `template`), replacing one of that name."""
    copy = f' TEMPLATE "{template}"' if template else ""
    asyncio.run(
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"{copy}')
    )
    return pg_url(name)


def pg_drop(name: str) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def sqlite_copy(source: Path, target: Path) -> str:
    """A copy of a SQLite database that no connection holds open (with its WAL, if any)."""
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return sqlite_url(target)
