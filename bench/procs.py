"""Syncs per second with 1, 2 and 4 server processes on one database, the same load each time.

Each simulated phone signs in once and pulls its scope; then, for a fixed time, every phone in
turn does a sync: push one check-in, pull until `has_more` is false. Phones belong to workers of
different communities (two phones each), so every sync does the same work whatever the number of
processes. Reported: syncs/s, p50 and p99 of a sync, and the CPU the server processes, PostgreSQL
and the load generator spent per sync (from /proc). Writes docs/benchmarks.md (its section).

    python -m bench.procs [--database postgresql|sqlite] [--processes 1 2 4] [--seconds 20]
                          [--phones 40] [--rounds 2]

On PostgreSQL the server runs as `python -m server run --workers N`; on SQLite, which the CLI
keeps to one process, as N separate `python -m server run` on N ports, the phones spread over
them, to measure what more processes would bring there.
"""

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.sync import RESULTS, free_port, write_section
from server.auth.passwords import hash_password
from server.auth.tables import User
from server.config import Settings
from server.db.migrate import upgrade
from server.db.sessions import create_engine_for, session_factory
from server.demo.seed import DEMO_PASSWORD, seed_demo
from server.org.tables import OrgUnit
from server.residents.tables import Resident

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
TICKS = os.sysconf("SC_CLK_TCK")
TITLE = "## Processes (issue 11)"


async def build(url: str, communities: int) -> None:
    """The demo district, and a worker in each of `communities` communities with residents."""
    upgrade(url)
    engine = create_engine_for(url)
    sessions = session_factory(engine)
    settings = Settings(database_url=url)
    async with sessions() as session, session.begin():
        await seed_demo(session, settings)
    async with sessions() as session, session.begin():
        peopled = (
            await session.execute(
                select(OrgUnit.id, OrgUnit.code)
                .join(Resident, Resident.community_id == OrgUnit.id)
                .group_by(OrgUnit.id, OrgUnit.code)
                .having(func.count() > 0)
                .order_by(OrgUnit.code)
                .limit(communities)
            )
        ).all()
        password = hash_password(DEMO_PASSWORD, settings.password_memory_kib, 2)
        for index, (unit_id, code) in enumerate(peopled):
            session.add(
                User(
                    username=f"bench{index:03d}",
                    display_name=f"bench worker {code}",
                    role="worker",
                    org_unit_id=unit_id,
                    password_hash=password,
                )
            )
    await engine.dispose()


async def pg_create(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(PG_ADMIN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def _cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """pid → CPU seconds so far (user + system)."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return seconds


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    # A process that started in between (a new PostgreSQL backend) spent all it has since.
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def _postgres_pids(database: str) -> list[int]:
    """The PostgreSQL backends serving `database` (other databases of the cluster are others')."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if f" {database} " in title:
                pids.append(int(entry.name))
    return pids


class Phone:
    def __init__(self, http: httpx.AsyncClient, username: str) -> None:
        self.http = http
        self.username = username
        self.device_id = str(uuid.uuid4())
        self.seq = 0
        self.cursor: str | None = None
        self.headers: dict[str, str] = {}
        self.resident_id = ""

    async def sign_in(self) -> None:
        response = await self.http.post(
            "/api/v1/auth/login",
            json={
                "username": self.username,
                "password": DEMO_PASSWORD,
                "device_id": self.device_id,
            },
        )
        response.raise_for_status()
        self.headers = {"authorization": f"Bearer {response.json()['access_token']}"}
        changes = await self.pull()
        self.resident_id = next(c["id"] for c in changes if c["entity"] == "resident")

    async def pull(self) -> list[dict]:
        changes = []
        while True:
            params = {"limit": 500, **({"cursor": self.cursor} if self.cursor else {})}
            response = await self.http.get("/api/v1/sync/pull", params=params, headers=self.headers)
            response.raise_for_status()
            page = response.json()
            changes += page["changes"]
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return changes

    async def sync(self) -> None:
        self.seq += 1
        args = {
            "id": str(uuid.uuid4()),
            "resident_id": self.resident_id,
            "at": "2026-11-28T09:00:00Z",
            "seen_in_person": True,
            "wellbeing": "good",
            "notes": "",
        }
        hlc = f"{int(time.time() * 1000):013d}:{self.seq % 100000:05d}:bench"
        response = await self.http.post(
            "/api/v1/sync/push",
            headers=self.headers,
            json={
                "protocol": 1,
                "device_id": self.device_id,
                "mutations": [
                    {"seq": self.seq, "name": "checkin.record", "args": args, "hlc": hlc}
                ],
            },
        )
        response.raise_for_status()
        assert response.json()["results"][0]["status"] == "applied", response.text
        await self.pull()


async def drive(
    bases: list[str], phones: int, seconds: float, on_start
) -> tuple[list[float], float]:
    clients = [httpx.AsyncClient(base_url=base, timeout=60) for base in bases]
    try:
        crowd = [
            Phone(clients[index % len(clients)], f"bench{index // 2:03d}")
            for index in range(phones)
        ]
        for phone in crowd:  # one at a time: logins cost a memory-hard hash each
            await phone.sign_in()
        latencies: list[float] = []
        on_start()
        stop = time.perf_counter() + seconds

        async def loop(phone: Phone) -> None:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                await phone.sync()
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(loop(phone) for phone in crowd))
        return latencies, time.perf_counter() - started
    finally:
        for client in clients:
            await client.aclose()


def _start(database: str, url: str, processes: int) -> tuple[list[subprocess.Popen], list[str]]:
    env = {
        **os.environ,
        "DOORSTEP_DATABASE_URL": url,
        "DOORSTEP_BACKGROUND_EVERY_S": "0",
    }
    if database == "postgresql":
        plan = [["--workers", str(processes)]]
    else:
        plan = [[] for _ in range(processes)]
    servers, bases = [], []
    for extra in plan:
        port = free_port()
        servers.append(
            subprocess.Popen(
                [sys.executable, "-m", "server", "run", "--port", str(port), *extra],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    for base in bases:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not come up")
            time.sleep(0.2)
    # Every worker process answers before the clock starts.
    time.sleep(2)
    return servers, bases


def measure(database: str, url: str, processes: int, phones: int, seconds: float) -> dict:
    servers, bases = _start(database, url, processes)
    try:
        server_pids = [pid for server in servers for pid in _descendants(server.pid)]
        name = url.rsplit("/", 1)[1]
        postgres = (lambda: _postgres_pids(name)) if database == "postgresql" else list
        before = {}

        def snapshot() -> tuple:
            # Taken after the sign-ins, so that only the syncs count.
            return _cpu_by_pid(server_pids), _cpu_by_pid(postgres()), time.process_time()

        def start() -> None:
            before["cpu"] = snapshot()

        latencies, elapsed = asyncio.run(drive(bases, phones, seconds, start))
        after = snapshot()
        load = Path("/proc/loadavg").read_text().split()[0]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    ordered = sorted(latencies)
    syncs = len(latencies)
    return {
        "processes": processes,
        "syncs": syncs,
        "per_second": syncs / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(syncs - 1, int(syncs * 0.99))] * 1000,
        "server_cpu_ms": _spent(before["cpu"][0], after[0]) * 1000 / syncs,
        "postgres_cpu_ms": _spent(before["cpu"][1], after[1]) * 1000 / syncs,
        "client_cpu_ms": (after[2] - before["cpu"][2]) * 1000 / syncs,
        "load": float(load),
    }


async def commit_ceiling(dsn: str, serialised: bool, connections: int = 8, seconds: float = 5):
    """Writing transactions/s that PostgreSQL commits when each one, like every Doorstep write,
    bumps one clock row before commit (serialised), or when none does; on scratch tables."""
    import asyncpg

    setup = await asyncpg.connect(dsn)
    await setup.execute(
        "DROP TABLE IF EXISTS bench_clock, bench_feed;"
        "CREATE TABLE bench_clock (id int PRIMARY KEY, version bigint NOT NULL);"
        "INSERT INTO bench_clock VALUES (1, 0);"
        "CREATE TABLE bench_feed (version bigint, ord int, key text, record_id uuid,"
        " PRIMARY KEY (version, ord, key))"
    )
    done = 0
    stop = time.perf_counter() + seconds

    async def writer(number: int) -> None:
        nonlocal done
        connection = await asyncpg.connect(dsn)
        try:
            local = 0
            while time.perf_counter() < stop:
                async with connection.transaction():
                    if serialised:
                        version = await connection.fetchval(
                            "UPDATE bench_clock SET version = version + 1 WHERE id = 1 "
                            "RETURNING version"
                        )
                    else:
                        local += 1
                        version = number * 10_000_000 + local
                    await connection.execute(
                        "INSERT INTO bench_feed VALUES ($1, 0, 'c:x', gen_random_uuid())", version
                    )
                done += 1
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(connections)))
    elapsed = time.perf_counter() - started
    await setup.execute("DROP TABLE bench_clock, bench_feed")
    await setup.close()
    return done / elapsed


def section(database: str, phones: int, seconds: float, rows: list[dict], rounds: int) -> str:
    lines = [
        TITLE,
        "",
        f"Measured by `python -m bench.procs --database {database}` on "
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores shared with "
        f"other work, Python {platform.python_version()}. {phones} phones (two each for "
        f"{phones // 2} workers of different communities) sync back to back for {seconds:g} s "
        "per row: one sync = push one check-in + pull to the end. Load generator, server and "
        "database on the same machine. CPU per sync from /proc (user + system), counted from "
        "after the sign-ins; PostgreSQL's is that of the backends serving the bench database. "
        "`load` is the machine's 1-minute load average at the end of the row (other engineers' "
        f"work shares the 2 cores). The sequence of process counts runs {rounds} times.",
        "",
        "| processes | syncs | syncs/s | p50 | p99 | server CPU / sync | PostgreSQL CPU / sync "
        "| load generator CPU / sync | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['processes']} | {row['syncs']} | {row['per_second']:.0f} | "
            f"{row['p50_ms']:.0f} ms | {row['p99_ms']:.0f} ms | {row['server_cpu_ms']:.1f} ms | "
            + (f"{row['postgres_cpu_ms']:.1f} ms" if database == "postgresql" else "–")
            + f" | {row['client_cpu_ms']:.1f} ms | {row['load']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--phones", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2, help="repeat the sequence (noise)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if args.database == "postgresql":
        name = "doorstep_bench_procs"
        asyncio.run(pg_create(name))
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    else:
        folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"doorstep-procs-{uuid.uuid4().hex[:8]}"
        folder.mkdir(parents=True)
        url = f"sqlite+aiosqlite:///{folder / 'doorstep.db'}"
    asyncio.run(build(url, args.phones // 2))
    rows = []
    for _ in range(args.rounds):
        for processes in args.processes:
            row = measure(args.database, url, processes, args.phones, args.seconds)
            print(row, flush=True)
            rows.append(row)
    text = section(args.database, args.phones, args.seconds, rows, args.rounds)
    if args.database == "postgresql":
        dsn = url.replace("postgresql+asyncpg", "postgresql")
        with_clock = asyncio.run(commit_ceiling(dsn, serialised=True))
        without = asyncio.run(commit_ceiling(dsn, serialised=False))
        text += (
            "\nThe ceiling behind every write: 8 connections committing small transactions "
            "(one feed row each) on scratch tables, for 5 s, with `synchronous_commit = on`. "
            f"Each bumping one clock row first, as every Doorstep write does: {with_clock:,.0f} "
            f"commits/s; without the clock row: {without:,.0f} commits/s.\n"
        )
    print(text)
    if not args.no_write:
        title = TITLE if args.database == "postgresql" else TITLE + ", SQLite"
        write_section(text.replace(TITLE, title, 1), title)
        print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
