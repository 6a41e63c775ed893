"""Many phones syncing at once against one server: syncs/s, latency, errors, CPU per sync.

Each simulated phone is its own device with its own token, cursor, seq and outbox: it signs in,
pulls its whole scope page by page, then, in a closed loop with `--in-flight` syncs running at
a time, syncs again and again for `--seconds` (a share of the syncs first pushes one check-in).
Against a running server (`--url`; the phones share the demo workers' accounts) or one it
starts itself (`--database`; a fresh demo district with one worker account a phone).
`--setups` runs the same load against several ASGI server setups, each on a fresh copy.

    python -m bench.load --database postgresql --phones 1000 --in-flight 64 --seconds 60
    python -m bench.load --url http://127.0.0.1:8000 --phones 50 --seconds 20
    python -m bench.load --database postgresql --setups uvicorn-h11,uvicorn-uvloop,granian
"""

import argparse
import asyncio
import math
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import accounts, databases, serving
from bench.phones import Fleet, Phone, Progress
from bench.results import machine, write_section
from shared.protocol import DEFAULT_PULL_LIMIT
from testbed import DEMO_PASSWORD, build_demo

DEMO_WORKERS = "worker1,worker2,worker3"


async def run_fleet(
    base_url: str,
    phones: list[Phone],
    in_flight: int,
    seconds: float,
    push_share: float,
    page_size: int,
    meters: serving.Meters,
) -> dict:
    """Sign-in and initial sync of every phone, then the measured loop; its figures."""
    async with Fleet(base_url, phones, page_size) as fleet:
        progress = Progress("sign-in, initial sync", len(phones), by_time=False)
        progress.errors = fleet.errors
        started = time.perf_counter()
        await fleet.start_all(in_flight, progress)
        progress.close()
        start_s = time.perf_counter() - started
        start_errors = sum(fleet.errors.values())

        progress = Progress("syncing", seconds, by_time=True)
        progress.errors = fleet.errors
        await meters.start()
        tool_before = time.process_time()
        window = await fleet.loop(in_flight, seconds, push_share, progress)
        tool_cpu = time.process_time() - tool_before
        used = await meters.stop()
        progress.close()

    latencies = sorted(window.latencies)  # of the syncs served: a turned-away one has none
    syncs = len(latencies)
    tried = syncs + window.turned_away + window.failed

    def quantile(q: float) -> float:
        return latencies[max(0, math.ceil(q * syncs) - 1)] * 1000 if syncs else math.nan

    def per_sync(cpu_s: float | None) -> float | None:
        return cpu_s * 1000 / syncs if cpu_s is not None and syncs else None

    return {
        "phones": len(phones),
        "in_flight": in_flight,
        "push_share": push_share,
        "seconds": window.seconds,
        "start_s": start_s,
        "start_errors": start_errors,
        "records_per_phone": sum(p.records for p in phones) / len(phones),
        "syncs": syncs,
        "syncs_per_s": syncs / window.seconds,
        "pushes": window.pushes,
        "applied": fleet.applied,
        "rejected": dict(fleet.rejected),
        "errors": dict(fleet.errors),
        "turned_away": window.turned_away,
        "turned_away_share": window.turned_away / tried if tried else 0.0,
        "p50_ms": quantile(0.50),
        "p95_ms": quantile(0.95),
        "p99_ms": quantile(0.99),
        "max_ms": latencies[-1] * 1000 if syncs else math.nan,
        **used,
        "server_ms_per_sync": per_sync(used["server_cpu_s"]),
        "server_cores": (used["server_cpu_s"] or 0) / window.seconds,
        "database_ms_per_sync": per_sync(used["database_cpu_s"]),
        "tool_cpu_s": tool_cpu,
        "tool_ms_per_sync": per_sync(tool_cpu),
        "tool_cores": tool_cpu / window.seconds,
        # Whatever else ran on the machine meanwhile (other people's work on a shared host).
        "others_cores": None
        if used["server_cpu_s"] is None
        else (
            used["machine_cpu_s"] - used["server_cpu_s"] - (used["database_cpu_s"] or 0) - tool_cpu
        )
        / window.seconds,
    }


def event_loop_run(coroutine):
    """uvloop when it is installed: the load tool's own CPU per request is lower with it."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def against_url(args: argparse.Namespace) -> list[dict]:
    users = args.users.split(",")
    phones = [Phone(users[n % len(users)], args.password) for n in range(args.phones)]
    meters = serving.Meters(args.server_pid)
    figures = event_loop_run(
        run_fleet(
            args.url, phones, args.in_flight, args.seconds, args.push_share, args.page_size, meters
        )
    )
    return [{**figures, "database": "(running server)", "setup": args.url, "workers": None}]


def measure(
    database: str,
    phones: int,
    in_flight: int,
    seconds: float,
    push_share: float = 0.3,
    setups: tuple[str, ...] = ("cli",),
    workers: int = 1,
    page_size: int = DEFAULT_PULL_LIMIT,
) -> list[dict]:
    """Builds the demo district with one worker account a phone; then, for each setup, starts
    the server on a fresh copy of it and runs the load. One dict of figures a setup."""
    results = []
    template_name = f"doorstep_load_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="doorstep-load-") as folder:
        template = Path(folder) / "template.db"
        if database == "sqlite":
            url = databases.sqlite_url(template)
        else:
            url = databases.pg_create(template_name)
        try:
            print(f"building the demo district and {phones} worker accounts", file=sys.stderr)
            build_demo(url)
            usernames = asyncio.run(accounts.add_workers(url, phones, DEMO_PASSWORD))
            for number, setup in enumerate(setups):
                copy_name = f"{template_name}_{number}"
                if database == "sqlite":
                    run_url = databases.sqlite_copy(template, Path(folder) / f"{setup}.db")
                else:
                    run_url = databases.pg_create(copy_name, template=template_name)
                process, base_url = serving.start(setup, run_url, workers)
                print(f"{setup}: {serving.SETUPS[setup].what}, at {base_url}", file=sys.stderr)
                try:
                    meters = serving.Meters(
                        process.pid, copy_name if database == "postgresql" else None
                    )
                    fleet = [Phone(name, DEMO_PASSWORD) for name in usernames]
                    figures = event_loop_run(
                        run_fleet(
                            base_url, fleet, in_flight, seconds, push_share, page_size, meters
                        )
                    )
                finally:
                    process.terminate()
                    process.wait(timeout=30)
                    if database == "postgresql":
                        databases.pg_drop(copy_name)
                results.append(
                    {**figures, "database": database, "setup": setup, "workers": workers}
                )
        finally:
            if database == "postgresql":
                databases.pg_drop(template_name)
    return results


def _ms(value: float | None) -> str:
    return "unknown" if value is None or math.isnan(value) else f"{value:,.1f} ms"


def _memory(processes: list[dict]) -> str:
    if not processes:
        return "unknown"
    return ", ".join(f"{p['rss_mb']:.0f} MB ({p['peak_mb']:.0f} MB)" for p in processes)


def _errors(figures: dict) -> str:
    kinds = {**figures["errors"], **{f"rejected {k}": n for k, n in figures["rejected"].items()}}
    if not kinds:
        return "0"
    return f"{sum(kinds.values())}: " + ", ".join(f"{k} ×{n}" for k, n in sorted(kinds.items()))


ROWS = [
    ("database", lambda r: r["database"]),
    ("server setup", lambda r: r["setup"]),
    ("server processes", lambda r: str(r["workers"] or "?")),
    ("phones / in flight / share with a push", lambda r: (
        f"{r['phones']:,} / {r['in_flight']} / {r['push_share']:.0%}"
    )),
    ("sign-in + initial sync of every phone", lambda r: (
        f"{r['start_s']:.1f} s ({r['records_per_phone']:.0f} records a phone)"
    )),
    ("measured window", lambda r: f"{r['seconds']:.1f} s"),
    ("syncs (with a push / check-ins applied)", lambda r: (
        f"{r['syncs']:,} ({r['pushes']:,} / {r['applied']:,})"
    )),
    ("**syncs/s**", lambda r: f"**{r['syncs_per_s']:,.0f}**"),
    ("latency of a sync p50", lambda r: _ms(r["p50_ms"])),
    ("p95", lambda r: _ms(r["p95_ms"])),
    ("**p99** (of the syncs served)", lambda r: f"**{_ms(r['p99_ms'])}**"),
    ("max", lambda r: _ms(r["max_ms"])),
    ("syncs turned away (503 server_busy, Retry-After)", lambda r: (
        f"{r['turned_away']:,} ({r['turned_away_share']:.1%} of the syncs tried)"
    )),
    ("errors", _errors),
    ("server CPU per sync", lambda r: _ms(r["server_ms_per_sync"])),
    ("server memory per process, after the load (peak)", lambda r: _memory(r["server_memory"])),
    ("one server process's ceiling at that CPU per sync (a core to itself)", lambda r: (
        f"{1000 / r['server_ms_per_sync']:,.0f} syncs/s" if r["server_ms_per_sync"] else "unknown"
    )),
    ("server CPU use", lambda r: (
        "unknown" if r["server_cpu_s"] is None else f"{r['server_cores']:.2f} cores"
    )),
    ("PostgreSQL backends' CPU per sync", lambda r: (
        _ms(r["database_ms_per_sync"]) if r["database"] == "postgresql" else "—"
    )),
    ("load tool CPU per sync / use", lambda r: (
        f"{_ms(r['tool_ms_per_sync'])} / {r['tool_cores']:.2f} cores"
    )),
    ("CPU used meanwhile by everything else on the host", lambda r: (
        "unknown" if r["others_cores"] is None else f"{r['others_cores']:.2f} cores"
    )),
]  # fmt: skip


def table(results: list[dict]) -> str:
    lines = ["| figure | " + " | ".join(r["setup"] for r in results) + " |"]
    lines.append("|---|" + "---|" * len(results))
    for label, cell in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")
    return "\n".join(lines)


def title(results: list[dict]) -> str:
    if len(results) > 1:
        return f"## Server setups under load, {results[0]['database']} (issue 10)"
    return f"## Many phones, {results[0]['database']} (issue 10)"


def render(results: list[dict], command: str) -> str:
    return "\n".join(
        [
            title(results),
            "",
            f"Measured by `{command}` on {machine()}; the load tool, the server and the "
            "database share the machine's cores. The server was started fresh on a copy of "
            "the demo district with one worker account a phone, spread over the 99 communities.",
            "",
            table(results),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000")
    target.add_argument("--database", choices=["sqlite", "postgresql"])
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--in-flight", type=int, default=16, help="syncs running at a time")
    parser.add_argument("--push-share", type=float, default=0.3, help="syncs that push first")
    parser.add_argument("--seconds", type=float, default=30, help="length of the measured loop")
    parser.add_argument("--page-size", type=int, default=DEFAULT_PULL_LIMIT)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument(
        "--setups",
        default="cli",
        help="comma-separated, of: " + ", ".join(serving.SETUPS) + " (with --database)",
    )
    parser.add_argument("--users", default=DEMO_WORKERS, help="accounts shared with --url")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--server-pid", type=int, help="with --url: to read the server's CPU")
    parser.add_argument(
        "--write-docs", action="store_true", help="write the figures into docs/benchmarks.md"
    )
    args = parser.parse_args(argv)

    if args.url:
        results = against_url(args)
    else:
        setups = tuple(args.setups.split(","))
        unknown = [s for s in setups if s not in serving.SETUPS]
        if unknown:
            parser.error(f"unknown setup(s): {', '.join(unknown)}")
        workers = args.workers
        if workers > 1 and "cli" in setups and not serving.server_supports_workers():
            print(
                "note: `python -m server run` has no --workers yet; one server process",
                file=sys.stderr,
            )
            workers = 1
        results = measure(
            args.database,
            args.phones,
            args.in_flight,
            args.seconds,
            args.push_share,
            setups,
            workers,
            args.page_size,
        )
    print(table(results))
    if args.write_docs:
        command = "python -m bench.load " + " ".join(argv if argv is not None else sys.argv[1:])
        command = command.replace(" --write-docs", "")
        write_section(render(results, command), title(results))


if __name__ == "__main__":
    main()
