"""Making test databases: templates with the demo district, and cheap per-test copies."""

import asyncio
import os

from testbed import build_demo

PG_HOST = os.environ.get("DOORSTEP_TEST_PG_HOST", "127.0.0.1")
PG_ADMIN_DSN = f"postgresql://postgres@{PG_HOST}:5432/test"


def pg_url(name: str) -> str:
    return f"postgresql+asyncpg://postgres@{PG_HOST}:5432/{name}"


def postgres_unavailable() -> str | None:
    try:
        import asyncpg
    except ImportError:
        return "asyncpg is not installed"

    async def probe() -> None:
        connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # any failure to connect means: not here
        return f"{type(exc).__name__}: {exc}"
    return None


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def pg_recreate(name: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _admin(f'CREATE DATABASE "{name}"')


async def pg_clone(template: str, name: str) -> None:
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


async def pg_drop(name: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_template(url: str) -> None:
    build_demo(url)
