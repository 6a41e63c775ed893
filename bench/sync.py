"""Sync benchmark, on SQLite and PostgreSQL, over real loopback HTTP to a server process.

(a) initial sync of one worker's scope of ~10,000 records into the encrypted phone store;
(b) 10,000 mutations pushed in batches of 500; (c) an empty incremental sync, p50 and p99;
(d) the same 10,000 rows written straight into the database with executemany, as the limit.
Prints the figures and writes them to docs/benchmarks.md (the sync section).

    python -m bench.sync [--only sqlite|postgresql] [--records 10000]
"""

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from bench.databases import pg_create, pg_drop
from bench.results import write_section
from mobile.core.store import LocalStore
from mobile.core.sync import SyncClient
from server.audit.tables import AuditEntry
from server.auth.tables import MutationLog, User
from server.clock import utcnow
from server.db.migrate import upgrade
from server.db.sessions import create_engine_for, session_factory
from server.demo.seed import DEMO_PASSWORD
from server.feed.tables import FeedEntry
from server.org.tables import OrgUnit
from server.residents.tables import Resident
from server.visits.tables import Checkin
from testbed import free_port, seed_demo_into, spawn_server


async def build(url: str, records: int) -> None:
    """The demo district, plus enough residents and check-ins in worker1's community."""
    upgrade(url)
    await seed_demo_into(url)
    await add_records(url, records)


async def add_records(url: str, records: int) -> None:
    """`records` residents and check-ins (7 : 3) in worker1's community of a demo district."""
    engine = create_engine_for(url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        community = await session.scalar(select(OrgUnit).where(OrgUnit.code == "D01-S01-C01"))
        worker = await session.scalar(select(User).where(User.username == "worker1"))
        residents = int(records * 0.7)
        people = [
            Resident(
                name=f"居民{n:05d}",
                address=f"幸福路{n}号",
                phone=f"139{n:08d}",
                community_id=community.id,
                birth_year=1950,
                notes="基准测试",
            )
            for n in range(residents)
        ]
        session.add_all(people)
        await session.flush()
        session.add_all(
            [
                Checkin(
                    id=uuid.uuid4(),
                    resident_id=people[n % residents].id,
                    community_id=community.id,
                    worker_id=worker.id,
                    at=utcnow(),
                    seen_in_person=True,
                    wellbeing="good",
                    notes="基准",
                )
                for n in range(records - residents)
            ]
        )
    await engine.dispose()


async def executemany_limit(url: str, rows: list[dict], everything: bool) -> float:
    """Seconds to insert the check-in rows alone, or every row a push of them writes (the
    check-in, its audit entry, its mutation-log row and its feed entry), with executemany.
    Rolled back afterwards."""
    engine = create_engine_for(url)
    device = uuid.uuid4()
    async with engine.connect() as connection:
        transaction = await connection.begin()
        started = time.perf_counter()
        await connection.execute(insert(Checkin), rows)
        if everything:
            await connection.execute(
                insert(AuditEntry),
                [
                    {
                        "id": uuid.uuid4(),
                        "at": r["at"],
                        "actor_id": r["worker_id"],
                        "device_id": device,
                        "action": "checkin.record",
                        "entity": "checkin",
                        "record_id": r["id"],
                        "community_id": r["community_id"],
                        "detail": {"resident_id": str(r["resident_id"]), "wellbeing": "good"},
                    }
                    for r in rows
                ],
            )
            await connection.execute(
                insert(MutationLog),
                [
                    {
                        "device_id": device,
                        "seq": n + 1,
                        "name": "checkin.record",
                        "status": "applied",
                        "stamp": "1764288000000:00000:bench",
                        "at": r["at"],
                    }
                    for n, r in enumerate(rows)
                ],
            )
            await connection.execute(
                insert(FeedEntry),
                [
                    {
                        "version": 10**9,
                        "ord": n,
                        "key": f"c:{r['community_id']}",
                        "entity": "checkin",
                        "record_id": r["id"],
                    }
                    for n, r in enumerate(rows)
                ],
            )
        elapsed = time.perf_counter() - started
        await transaction.rollback()
    await engine.dispose()
    return elapsed


def run(backend: str, url: str, records: int, folder: Path) -> dict:
    asyncio.run(build(url, records))
    port = free_port()
    server = spawn_server(url, port)
    figures: dict = {"backend": backend}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
            store = LocalStore(folder / f"{backend}-phone.db")  # the real Argon2id cost
            store.set_up("482916")
            phone = SyncClient(store, http, page_size=1000)
            phone.login("worker1", DEMO_PASSWORD)
            started = time.perf_counter()
            report = phone.sync()
            figures["initial_s"] = time.perf_counter() - started
            figures["initial_records"] = report.pulled

            resident_ids = [r["id"] for r in store.all("resident")][:500]
            for n in range(records):
                store.record(
                    "checkin.record",
                    {
                        "id": str(uuid.uuid4()),
                        "resident_id": resident_ids[n % len(resident_ids)],
                        "at": "2026-11-27T10:00:00Z",
                        "seen_in_person": True,
                        "wellbeing": "good",
                        "notes": "基准推送",
                    },
                )
            from mobile.core.sync import SyncReport

            started = time.perf_counter()
            pushed = SyncReport()
            phone.push(pushed)
            figures["push_s"] = time.perf_counter() - started
            figures["push_rate"] = pushed.applied / figures["push_s"]
            phone.pull(SyncReport())

            timings = []
            for _ in range(200):
                started = time.perf_counter()
                phone.sync()
                timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            figures["empty_p50_ms"] = statistics.median(timings)
            figures["empty_p99_ms"] = timings[int(len(timings) * 0.99) - 1]
            store.close()
    finally:
        server.terminate()
        server.wait()

    async def rows_for_limit() -> list[dict]:
        engine = create_engine_for(url)
        async with session_factory(engine)() as session:
            worker = await session.scalar(select(User).where(User.username == "worker1"))
            resident = await session.scalar(
                select(Resident).where(Resident.community_id == worker.org_unit_id)
            )
        await engine.dispose()
        return [
            {
                "id": uuid.uuid4(),
                "resident_id": resident.id,
                "community_id": resident.community_id,
                "worker_id": worker.id,
                "at": utcnow(),
                "seen_in_person": True,
                "wellbeing": "good",
                "notes": "基准",
                "needs": "",
                "home_safety": {},
                "created_at": utcnow(),
            }
            for _ in range(records)
        ]

    rows = asyncio.run(rows_for_limit())
    figures["executemany_s"] = asyncio.run(executemany_limit(url, rows, everything=False))
    figures["executemany_rate"] = records / figures["executemany_s"]
    figures["push_vs_limit"] = figures["push_s"] / figures["executemany_s"]
    figures["same_rows_s"] = asyncio.run(executemany_limit(url, rows, everything=True))
    figures["push_vs_same_rows"] = figures["push_s"] / figures["same_rows_s"]
    return figures


def render(results: list[dict], records: int) -> str:
    lines = [
        "## Sync (issues 3 and 10)",
        "",
        f"Measured by `python -m bench.sync` on {time.strftime('%Y-%m-%d')}, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        "server in its own process (`python -m server run`), phone core in the benchmark "
        "process, real HTTP on loopback, phone store encrypted with the production Argon2id cost.",
        "",
        "| figure | target | " + " | ".join(r["backend"] for r in results) + " |",
        "|---|---|" + "---|" * len(results),
    ]
    rows = [
        (
            f"(a) initial sync of worker1's scope ({results[0]['initial_records']} records)",
            "≤ 0.4 s",
            lambda r: f"{r['initial_s']:.2f} s",
        ),
        (
            f"(b) push {records} mutations, batches of 500",
            "≥ 6,000/s",
            lambda r: f"{r['push_s']:.2f} s = {r['push_rate']:,.0f}/s",
        ),
        ("(c) empty incremental sync, p50", "≤ 2 ms", lambda r: f"{r['empty_p50_ms']:.1f} ms"),
        ("(c) empty incremental sync, p99", "≤ 5 ms", lambda r: f"{r['empty_p99_ms']:.1f} ms"),
        (
            f"(d) executemany of the {records} check-in rows alone",
            "",
            lambda r: f"{r['executemany_s']:.3f} s = {r['executemany_rate']:,.0f}/s",
        ),
        ("(b) ÷ (d)", "", lambda r: f"{r['push_vs_limit']:.1f}×"),
        (
            "(d′) executemany of every row the push writes (check-in, audit, log, feed)",
            "",
            lambda r: f"{r['same_rows_s']:.3f} s",
        ),
        ("(b) ÷ (d′)", "≤ 2×", lambda r: f"{r['push_vs_same_rows']:.1f}×"),
    ]
    for label, target, cell in rows:
        lines.append(f"| {label} | {target} | " + " | ".join(cell(r) for r in results) + " |")
    lines += ["", NOTES]
    return "\n".join(lines) + "\n"


NOTES = """\
What the figures say (issue 10's targets; the profile is in "Where an empty sync's CPU goes"):

- Every figure improved on the issue-3 server (initial sync 1.25 → 0.6–0.65 s, push
  2,660 → 4,400–4,700/s, empty sync p50 7.3 → 3.3–3.5 ms, (b) ÷ (d′) 4.1 → 2.2–3.0×), but
  (a), (b), (c) and (b) ÷ (d′) ≤ 2× still miss the issue's targets. What was done: read-only
  requests in deferred SQLite transactions; the caller's
  standing, last seq and the feed's horizon and version in one Core query; the feed queries
  built once with the scope keys as one parameter; records read as plain rows; push rows as
  Core executemany on the tables (not the ORM's bulk path), JSON columns encoded by msgspec;
  the phone fetching the next page while it stores this one, sealing a page in one batch.
- Why (c) misses: `bench.hotpath` shows an empty pull costs 1.4 ms (PostgreSQL) and 2.1 ms
  (SQLite) of server CPU in-process, of which Litestar's request cycle is about 0.2 ms and
  SQLAlchemy's async session, transaction and two small queries 0.6–0.9 ms; over HTTP the
  phone's own client (httpx, a thread for the page ahead, its store's transactions) and the
  round trip add the rest. Going to 2 ms wall would mean leaving the ORM session and the DI
  transaction for the hot path (a raw driver connection per sync) — not done.
- Why (a) misses: 10,000 records are 11 server pages; each page reads, checks and encodes
  1,000 rows in Python (≈ 40 ms) and the phone decrypts nothing but encrypts and stores
  1,000 (≈ 25 ms). The fetch-ahead overlaps the two; the rest is per-record Python work.
- Why (b) misses 6,000/s: the push applies each mutation's rules in Python (≈ 0.12 ms a
  mutation of server CPU) and the phone reads, decrypts and sends its outbox; the database
  floor (d′) alone is 0.8–1.3 s for these rows.
- Measured on this 2-core machine with other work running at times; repeated runs vary by
  about 20 %.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="doorstep-bench-"))
    results = []
    try:
        if args.only in (None, "sqlite"):
            results.append(
                run("sqlite", f"sqlite+aiosqlite:///{folder}/server.db", args.records, folder)
            )
            print(results[-1])
        if args.only in (None, "postgresql"):
            name = f"doorstep_bench_{os.getpid()}"
            url = pg_create(name)
            try:
                results.append(run("postgresql", url, args.records, folder))
                print(results[-1])
            finally:
                pg_drop(name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    section = render(results, args.records)
    print(section)
    write_section(section, "## Sync (issue")


if __name__ == "__main__":
    main()
