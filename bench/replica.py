"""Pulls from a streaming replica against pulls from the primary (issue 24, point 5).

Makes a PostgreSQL primary and its streaming replica (testbed/replica.py: the installed
PostgreSQL 15 programs, a temporary folder, free ports; durable settings, as in production),
loads the demo district with a worker in each of eight communities, and runs the server
(`python -m server run`) twice on it: one reading pulls from the primary, one with
`DOORSTEP_READ_DATABASE_URL` naming the replica. `--in-flight` phones pull for `--seconds` a
turn, the two servers' turns alternating `--rounds` times: first syncs (from no cursor, pages
of 500), then empty incremental pulls. It reports pulls a second, their p50/p99, and the CPU
the server and each cluster's processes spent a pull.

    python -m bench.replica [--in-flight 16] [--seconds 10] [--rounds 3] [--write-docs]
"""

import argparse
import asyncio
import math
import os
import sys
import time
import uuid
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from bench import serving
from bench.results import ROOT, machine, write_section
from server.auth.passwords import hash_password
from server.auth.tables import User
from server.db.sessions import create_engine_for, session_factory
from server.org.tables import OrgUnit
from server.residents.tables import Resident
from testbed import DEMO_PASSWORD, build_demo, free_port, spawn_server
from testbed import replica as clusters

TITLE = "## Pulls from a streaming replica (issue 24)"
DATABASE = "doorstep"
USERS = [f"bench{index:03d}" for index in range(8)] + ["supervisor1"]


def _postmaster(cluster: clusters.Cluster) -> int:
    return int((cluster.folder / "postmaster.pid").read_text().split()[0])


def _times(pid: int) -> list[int]:
    """utime, stime, cutime, cstime of a process, in clock ticks (/proc/<pid>/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return [0, 0, 0, 0]  # ended meanwhile
    return [int(value) for value in stat[stat.rindex(")") + 2 :].split()[11:15]]


def cluster_cpu(postmaster: int) -> float:
    """CPU seconds a cluster has spent: its processes now, and those that ended (the
    postmaster reaps every backend, so their time is in its children's). A server's pool
    closes connections beyond its size, so backends come and go during a run."""
    own = _times(postmaster)
    live = sum(
        sum(_times(pid)[:2]) for pid in serving.process_tree(postmaster) if pid != postmaster
    )
    return (sum(own) + live) / os.sysconf("SC_CLK_TCK")


async def _sign_in(session: aiohttp.ClientSession, username: str) -> dict:
    body = {"username": username, "password": DEMO_PASSWORD, "device_id": str(uuid.uuid4())}
    async with session.post("/api/v1/auth/login", json=body) as answer:
        token = (await answer.json())["access_token"]
    return {"authorization": f"Bearer {token}"}


async def _pull(session, headers, cursor, limit) -> tuple[dict, float]:
    params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
    started = time.perf_counter()
    async with session.get("/api/v1/sync/pull", params=params, headers=headers) as answer:
        assert answer.status == 200, await answer.text()
        page = await answer.json()
    return page, time.perf_counter() - started


async def _phase(session, devices, in_flight: int, seconds: float, empty: bool) -> dict:
    """Pulls by `in_flight` phones for `seconds`: whole first syncs, or empty pulls."""
    times: list[float] = []
    records = 0
    deadline = time.monotonic() + seconds

    async def phone(index: int) -> None:
        nonlocal records
        headers, cursor = devices[index % len(devices)]
        while time.monotonic() < deadline:
            page, spent = await _pull(session, headers, cursor if empty else None, 500)
            times.append(spent)
            records += len(page["changes"])
            while not empty and page["has_more"] and time.monotonic() < deadline:
                page, spent = await _pull(session, headers, page["cursor"], 500)
                times.append(spent)
                records += len(page["changes"])

    started = time.monotonic()
    await asyncio.gather(*(phone(n) for n in range(in_flight)))
    return {
        "pulls": len(times),
        "records": records,
        "seconds": time.monotonic() - started,
        "times": sorted(times),
    }


async def _devices(session: aiohttp.ClientSession) -> list[tuple[dict, str]]:
    """Each account signed in, with its cursor at the end (for the empty pulls)."""
    devices = []
    for username in USERS:
        headers = await _sign_in(session, username)
        cursor = None
        while True:
            page, _ = await _pull(session, headers, cursor, 5000)
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        devices.append((headers, cursor))
    return devices


def _add(total: dict, run: dict) -> None:
    for key in ("pulls", "records", "seconds"):
        total[key] = total.get(key, 0) + run[key]
    total["times"] = sorted(total.get("times", []) + run["times"])
    cpu = total.setdefault("cpu", {})
    for key, value in run["cpu"].items():
        cpu[key] = cpu.get(key, 0.0) + value


async def _drive(servers: dict, in_flight: int, seconds: float, rounds: int, meters) -> dict:
    """The two servers' turns alternate, `rounds` times, so that whatever else the machine
    does falls on both alike; each (server, kind) sums its turns."""
    results: dict[str, dict[str, dict]] = {label: {} for label in servers}
    sessions = {
        label: aiohttp.ClientSession(url, connector=aiohttp.TCPConnector(limit=0))
        for label, (url, _) in servers.items()
    }
    try:
        devices = {label: await _devices(session) for label, session in sessions.items()}
        for _ in range(rounds):
            for label, (_, pid) in servers.items():
                for kind, empty in (("first", False), ("empty", True)):
                    before = meters(pid)
                    run = await _phase(sessions[label], devices[label], in_flight, seconds, empty)
                    after = meters(pid)
                    run["cpu"] = {k: after[k] - before[k] for k in after}
                    _add(results[label].setdefault(kind, {}), run)
    finally:
        for session in sessions.values():
            await session.close()
    return results


def measure(in_flight: int, seconds: float, rounds: int) -> dict:
    with clusters.primary_and_replica(durable=True) as pair:
        admin = pair.primary.dsn()
        asyncio.run(_admin(admin, f'CREATE DATABASE "{DATABASE}"'))
        primary_url, replica_url = pair.primary.url(DATABASE), pair.replica.url(DATABASE)
        print("building the district", file=sys.stderr)
        build_demo(primary_url)
        asyncio.run(_add_workers(primary_url, 8))
        asyncio.run(clusters.caught_up(pair.primary.dsn(DATABASE), pair.replica.dsn(DATABASE)))
        pids = {"primary": _postmaster(pair.primary), "replica": _postmaster(pair.replica)}

        def meters(server_pid: int) -> dict:
            return {
                "server": serving.cpu_seconds(server_pid),
                **{name: cluster_cpu(pid) for name, pid in pids.items()},
            }

        processes, servers = [], {}
        try:
            for label, env in (
                ("primary", {}),
                ("replica", {"DOORSTEP_READ_DATABASE_URL": replica_url}),
            ):
                port = free_port()
                environment = {"PYTHONPATH": str(ROOT), **env}
                processes.append(spawn_server(primary_url, port, env=environment))
                servers[label] = (f"http://127.0.0.1:{port}", processes[-1].pid)
            print(f"pulling, {rounds} rounds", file=sys.stderr)
            results = asyncio.run(_drive(servers, in_flight, seconds, rounds, meters))
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
    return {"in_flight": in_flight, "seconds": seconds * rounds, "runs": results}


async def _add_workers(url: str, communities: int) -> None:
    """A worker (bench000, …) in each of the first `communities` communities with residents."""
    engine = create_engine_for(url)
    password = hash_password(DEMO_PASSWORD, 1024, 1)  # as cheap_settings: sign-in is not measured
    try:
        async with session_factory(engine)() as session, session.begin():
            peopled = await session.execute(
                select(OrgUnit.id)
                .join(Resident, Resident.community_id == OrgUnit.id)
                .group_by(OrgUnit.id, OrgUnit.code)
                .having(func.count() > 0)
                .order_by(OrgUnit.code)
                .limit(communities)
            )
            for index, (unit_id,) in enumerate(peopled.all()):
                session.add(
                    User(
                        username=f"bench{index:03d}",
                        display_name=f"bench {index}",
                        role="worker",
                        org_unit_id=unit_id,
                        password_hash=password,
                    )
                )
    finally:
        await engine.dispose()


async def _admin(dsn: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _quantile(values: list[float], q: float) -> float:
    return values[max(0, math.ceil(q * len(values)) - 1)] * 1000 if values else math.nan


def table(r: dict) -> str:
    lines = [
        "| pulls read from | kind | pulls/s | records/s | p50 / p99 | CPU a pull: server "
        "/ primary / replica |",
        "|---|---|---|---|---|---|",
    ]
    for label, run in r["runs"].items():
        for kind, words in (("first", "first syncs, pages of 500"), ("empty", "empty pulls")):
            f = run[kind]
            cpu = {k: v / max(f["pulls"], 1) * 1000 for k, v in f["cpu"].items()}
            lines.append(
                f"| {label} | {words} | {f['pulls'] / f['seconds']:,.0f} | "
                f"{f['records'] / f['seconds']:,.0f} | {_quantile(f['times'], 0.5):.1f} / "
                f"{_quantile(f['times'], 0.99):.1f} ms | {cpu['server']:.2f} / "
                f"**{cpu['primary']:.2f}** / {cpu['replica']:.2f} ms |"
            )
    return "\n".join(lines)


def render(r: dict, command: str) -> str:
    return "\n".join(
        [
            TITLE,
            "",
            f"Measured by `{command}` on {machine()}. A primary and its streaming replica "
            "made by `testbed/replica.py` (PostgreSQL 15, default durability), the demo "
            "district with a worker in each of eight communities; two server processes, one "
            "reading pulls from the primary and one from the replica, driven in alternate "
            f"turns; {r['in_flight']} phones (nine accounts) pulling at once, "
            f"{r['seconds']:.0f} s a row in all. Servers, primary and replica share the "
            "machine's two cores with the load generator (and other work: pulls/s and "
            "latency move with it; the CPU a pull is the steadier figure). CPU: the server "
            "process, and every process of each cluster (backends, WAL sender and receiver, "
            "startup), per pull.",
            "",
            table(r),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.replica",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="a turn")
    parser.add_argument("--rounds", type=int, default=3, help="turns of each server")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    reason = clusters.unavailable()
    if reason:
        sys.exit(f"cannot make a primary and replica here: {reason}")
    figures = measure(args.in_flight, args.seconds, args.rounds)
    command = "python -m bench.replica" + (" --write-docs" if args.write_docs else "")
    text = render(figures, command)
    print(text)
    if args.write_docs:
        write_section(text, TITLE)


if __name__ == "__main__":
    main()
