"""The server under load: the ways to serve the app that the benchmark compares, starting one
on a database, and the CPU time the server and its database processes spend. Run as
`python -m bench.serving [ROUNDS] [REQUESTS]`, it measures each setup's HTTP layer alone."""

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.results import ROOT
from testbed import free_port, spawn_server


@dataclass(frozen=True)
class Setup:
    """One way to serve the app: what `python -m` runs, and in words."""

    command: tuple[str, ...]
    what: str


_FACTORY = ("--factory", "server.app:create_app")
_QUIET = ("--log-level", "warning", "--no-access-log")
SETUPS = {
    "cli": Setup(("-m", "server", "run"), "`python -m server run` as it is"),
    "uvicorn-h11": Setup(
        ("-m", "uvicorn", *_FACTORY, *_QUIET, "--loop", "asyncio", "--http", "h11"),
        "uvicorn, asyncio loop, h11 parser, no access log",
    ),
    "uvicorn-uvloop": Setup(
        ("-m", "uvicorn", *_FACTORY, *_QUIET, "--loop", "uvloop", "--http", "httptools"),
        "uvicorn, uvloop, httptools parser, no access log",
    ),
    "uvicorn-uvloop-log": Setup(
        # as `python -m server run` logs: level info, a line a request
        (
            "-m",
            "uvicorn",
            *_FACTORY,
            "--log-level",
            "info",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ),
        "uvicorn, uvloop, httptools parser, access log on",
    ),
    "granian": Setup(
        ("-m", "granian", "--interface", "asgi", *_FACTORY, *_QUIET),
        "granian (Rust HTTP server), ASGI interface, one worker",
    ),
}


def server_supports_workers() -> bool:
    """Whether `python -m server run` takes --workers (not every version does)."""
    usage = subprocess.run(
        [sys.executable, "-m", "server", "run", "--help"], capture_output=True, text=True
    ).stdout
    return "--workers" in usage


def start(setup: str, database_url: str, workers: int) -> tuple[subprocess.Popen, str]:
    """The server on a free loopback port; returns the process and its base URL."""
    port = free_port()
    extra = ("--workers", str(workers)) if workers > 1 else ()
    process = spawn_server(
        database_url,
        port,
        *extra,
        command=SETUPS[setup].command,
        env={"PYTHONPATH": str(ROOT)},
    )
    return process, f"http://127.0.0.1:{port}"


def _proc_times() -> tuple[dict[int, int], dict[int, float]]:
    """Every process's parent and CPU seconds (user + system), from /proc."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    return parents, times


def cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and every live process below it (a server's workers)."""
    parents, times = _proc_times()
    tree = {pid}
    while below := {child for child, parent in parents.items() if parent in tree} - tree:
        tree |= below
    return sum(times.get(member, 0.0) for member in tree)


def process_tree(pid: int) -> list[int]:
    """A process and every live process below it (a server's workers)."""
    parents, _ = _proc_times()
    tree = {pid}
    while below := {child for child, parent in parents.items() if parent in tree} - tree:
        tree |= below
    return sorted(tree)


def memory_mb(pid: int) -> dict[str, float]:
    """A process's resident memory now (VmRSS) and at its peak (VmHWM), in MB, from /proc."""
    found = {"rss_mb": 0.0, "peak_mb": 0.0}
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return found
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found["rss_mb" if name == "VmRSS" else "peak_mb"] = int(value.split()[0]) / 1024
    return found


def server_memory(pid: int) -> list[dict[str, float]]:
    """Each server process's memory: the one that was started, then the workers below it."""
    return [{"pid": member, **memory_mb(member)} for member in process_tree(pid)]


async def _backend_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to `database`."""
    import asyncpg

    from bench.databases import PG_ADMIN

    connection = await asyncpg.connect(PG_ADMIN)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", database
        )
    finally:
        await connection.close()
    _, times = _proc_times()
    return {row["pid"]: times[row["pid"]] for row in rows if row["pid"] in times}


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (every core, every process), /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Meters:
    """CPU seconds spent over the measured window by the server's processes (when its pid is
    known) and by the PostgreSQL backends of its database (when it is one we made; backends
    that close meanwhile are missed, but the server's pool keeps its connections open)."""

    def __init__(self, server_pid: int | None, pg_database: str | None = None) -> None:
        self.server_pid, self.pg_database = server_pid, pg_database

    async def start(self) -> None:
        self.machine = machine_busy_seconds()
        self.server = cpu_seconds(self.server_pid) if self.server_pid else None
        self.database = await _backend_cpu(self.pg_database) if self.pg_database else None

    async def stop(self) -> dict[str, float | None]:
        server = cpu_seconds(self.server_pid) - self.server if self.server_pid else None
        database = None
        if self.pg_database:
            now = await _backend_cpu(self.pg_database)
            database = sum(seconds - self.database.get(pid, 0.0) for pid, seconds in now.items())
        return {
            "server_memory": server_memory(self.server_pid) if self.server_pid else [],
            "server_cpu_s": server,
            "database_cpu_s": database,
            "machine_cpu_s": machine_busy_seconds() - self.machine,
        }


async def _health_requests(base_url: str, count: int, in_flight: int) -> None:
    import aiohttp

    async with aiohttp.ClientSession(base_url) as session:
        remaining = count

        async def lane() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                async with session.get("/health") as response:
                    await response.read()

        await asyncio.gather(*(lane() for _ in range(in_flight)))


def http_cost(setups: list[str], rounds: int, count: int) -> dict[str, list[float]]:
    """Server CPU microseconds per `GET /health` (no database, next to no app code: what the
    HTTP layer costs), each setup once a round, the order mirrored every other round."""

    from bench.databases import sqlite_url
    from testbed import build_demo

    costs: dict[str, list[float]] = {setup: [] for setup in setups}
    with tempfile.TemporaryDirectory(prefix="doorstep-http-") as folder:
        url = sqlite_url(Path(folder) / "demo.db")
        build_demo(url)
        for number in range(rounds):
            for setup in setups if number % 2 == 0 else reversed(setups):
                process, base_url = start(setup, url, 1)
                try:
                    asyncio.run(_health_requests(base_url, count // 5, 32))  # warm-up
                    before = cpu_seconds(process.pid)
                    asyncio.run(_health_requests(base_url, count, 32))
                    costs[setup].append((cpu_seconds(process.pid) - before) * 1e6 / count)
                finally:
                    process.terminate()
                    process.wait(timeout=30)
    return costs


def main() -> None:
    """`python -m bench.serving [ROUNDS] [REQUESTS]`: the HTTP layer's cost in each setup."""

    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    costs = http_cost(list(SETUPS), rounds, count)
    print("| setup | server CPU per GET /health, median (each round) |")
    print("|---|---|")
    for setup, values in costs.items():
        each = ", ".join(f"{v:.0f}" for v in values)
        print(f"| `{setup}` | {statistics.median(values):.0f} µs ({each}) |")


if __name__ == "__main__":
    main()
