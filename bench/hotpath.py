"""Where an empty sync's server CPU goes, on SQLite and PostgreSQL.

The app runs in this process behind httpx's ASGI transport (no sockets), so `process_time`
counts the framework, the database driver and SQLAlchemy, and nothing of a server loop; its
heap is settled after start-up as a serving process's is (server/ops/heap.py). Each
figure is the CPU milliseconds of one call, averaged over many:

- the framework's floor: GET /health (no database, no token);
- an empty pull: token, the caller's standing, the feed after the cursor (nothing new);
- a first-sync page: the same from the start, a page of 500 records (issue 24);
- the database layer alone: one read-only transaction with 0, 1 and 2 small queries.

    python -m bench.hotpath [--only sqlite|postgresql] [--calls 2000] [--profile]

`--profile` runs pyinstrument (the `bench` extra) over the empty pulls and the first-sync
pages and prints where their time goes, the frames above 2 % of it.
"""

import argparse
import asyncio
import contextlib
import gc
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import select

from server.app import create_app, start_runtime, stop_runtime
from server.feed.tables import FeedClock
from server.ops import heap
from testbed import DEMO_PASSWORD, build_demo, cheap_settings

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
FIRST_PAGE = 500  # records in the first-sync page measured (the phone's default limit)


async def _cpu_ms(calls: int, step) -> float:
    for _ in range(min(200, calls)):
        await step()
    started = time.process_time()
    for _ in range(calls):
        await step()
    return (time.process_time() - started) / calls * 1000


def _profiled(label: str, profile: bool):
    """A pyinstrument profiler over a step's calls, or nothing."""
    if not profile:
        return contextlib.nullcontext()
    from pyinstrument import Profiler

    @contextlib.contextmanager
    def run():
        profiler = Profiler(interval=0.0002, async_mode="disabled")
        profiler.start()
        try:
            yield
        finally:
            profiler.stop()
            print(f"\n=== profile: {label} ===")
            options = {"filter_threshold": 0.02}
            print(profiler.output_text(time="percent_of_total", processor_options=options))

    return run()


async def measure(url: str, calls: int, profile: bool = False) -> dict[str, float]:
    from bench.sync import add_records

    await add_records(url, FIRST_PAGE)  # a first page full in worker1's scope
    app = create_app(cheap_settings(url))
    await start_runtime(app)
    heap.settle()  # as `python -m server run` settles each process after its start-up
    figures: dict[str, float] = {}
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            login = await client.post(
                "/api/v1/auth/login",
                json={
                    "username": "worker1",
                    "password": DEMO_PASSWORD,
                    "device_id": str(uuid.uuid4()),
                },
            )
            headers = {"authorization": f"Bearer {login.json()['access_token']}"}
            cursor = None
            while True:
                params = {"limit": 5000, **({"cursor": cursor} if cursor else {})}
                page = (
                    await client.get("/api/v1/sync/pull", params=params, headers=headers)
                ).json()
                cursor = page["cursor"]
                if not page["has_more"]:
                    break

            async def health() -> None:
                await client.get("/health")

            async def empty_pull() -> None:
                response = await client.get(
                    "/api/v1/sync/pull", params={"cursor": cursor}, headers=headers
                )
                assert response.status_code == 200 and not response.json()["changes"]

            async def first_page() -> None:
                response = await client.get(
                    "/api/v1/sync/pull", params={"limit": FIRST_PAGE}, headers=headers
                )
                assert response.status_code == 200
                assert len(response.json()["changes"]) == FIRST_PAGE

            figures["health"] = await _cpu_ms(calls, health)
            with _profiled(f"empty pull, {url.split(':')[0]}", profile):
                figures["empty_pull"] = await _cpu_ms(calls, empty_pull)
            with _profiled(f"first-sync page of {FIRST_PAGE}, {url.split(':')[0]}", profile):
                figures["first_page"] = await _cpu_ms(max(calls // 20, 20), first_page)

        runtime = app.state.runtime
        statement = select(FeedClock.version).where(FeedClock.id == 1)
        for queries in (0, 1, 2):

            async def transaction(queries: int = queries) -> None:
                async with runtime.read_sessions() as session, session.begin():
                    connection = await session.connection()
                    for _ in range(queries):
                        (await connection.execute(statement)).scalar_one()

            figures[f"tx_{queries}"] = await _cpu_ms(calls, transaction)
    finally:
        await stop_runtime(app)
        gc.unfreeze()
    return figures


async def _pg(name: str, drop_only: bool = False) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN)
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if not drop_only:
        await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()


def render(results: dict[str, dict[str, float]], calls: int) -> str:
    backends = list(results)
    rows = [
        ("GET /health: the framework's floor (no database)", "health"),
        ("an empty pull (token, standing + horizon, feed)", "empty_pull"),
        (f"a first-sync page of {FIRST_PAGE} records", "first_page"),
        ("a read-only transaction, no query", "tx_0"),
        ("… with one small query", "tx_1"),
        ("… with two small queries", "tx_2"),
    ]
    lines = [
        "## Where an empty sync's CPU goes (issue 10)",
        "",
        f"Measured by `python -m bench.hotpath` on {time.strftime('%Y-%m-%d')}, the app "
        f"in-process behind httpx's ASGI transport, CPU ms per call over {calls} calls "
        "(the client's share included: about 0.1 ms).",
        "",
        "| step | " + " | ".join(backends) + " |",
        "|---|" + "---|" * len(backends),
    ]
    for label, key in rows:
        lines.append(
            f"| {label} | " + " | ".join(f"{results[b][key]:.2f}" for b in backends) + " |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    from bench.sync import write_section

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--profile", action="store_true", help="pyinstrument the pulls")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="doorstep-hotpath-"))
    results: dict[str, dict[str, float]] = {}
    try:
        if args.only in (None, "sqlite"):
            url = f"sqlite+aiosqlite:///{folder}/server.db"
            build_demo(url)
            results["sqlite"] = asyncio.run(measure(url, args.calls, args.profile))
        if args.only in (None, "postgresql"):
            name = f"doorstep_hotpath_{os.getpid()}"
            asyncio.run(_pg(name))
            try:
                url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
                build_demo(url)
                results["postgresql"] = asyncio.run(measure(url, args.calls, args.profile))
            finally:
                asyncio.run(_pg(name, drop_only=True))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    section = render(results, args.calls)
    print(section)
    if not args.no_write:
        write_section(section, "## Where an empty sync's CPU goes (issue 10)")


if __name__ == "__main__":
    main()
