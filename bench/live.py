"""Live-update streams at scale: what idle streams cost one server process, and how fast a
change reaches all of them.

Starts the server (`python -m server run`, one process) on a fresh demo district, reads its
memory, opens `--streams` live streams (`GET /api/v1/sync/live`; a few devices' tokens, each
holding many streams), reads its memory and CPU again while they idle, then pushes check-ins
and times how long each stream in the change's scope takes to hear of it.

    python -m bench.live --database sqlite --streams 5000
    python -m bench.live --database postgresql --streams 5000 --write-docs
"""

import argparse
import asyncio
import math
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from bench import databases, serving
from bench.results import machine, write_section
from testbed import DEMO_PASSWORD, build_demo

# Who listens: two in the community the pushes go to (they hear every one), one outside.
LISTENERS = ("supervisor1", "worker2", "worker3")
IN_SCOPE = {"supervisor1", "worker2"}


async def _sign_in(session: aiohttp.ClientSession, username: str) -> dict:
    device_id = str(uuid.uuid4())
    body = {"username": username, "password": DEMO_PASSWORD, "device_id": device_id}
    async with session.post("/api/v1/auth/login", json=body) as response:
        answer = await response.json()
    return {
        "username": username,
        "device_id": device_id,
        "headers": {"authorization": f"Bearer {answer['access_token']}"},
    }


class Streams:
    """Many open streams; for each, when it opened and when each data event arrived."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session
        self.opened = 0
        self.failed = 0
        self.heard: dict[str, list[float]] = {}  # username → arrival times of data events
        self.tasks: list[asyncio.Task] = []

    async def open(self, device: dict, ready: asyncio.Event) -> None:
        try:
            async with self.session.get("/api/v1/sync/live", headers=device["headers"]) as answer:
                if answer.status != 200:
                    self.failed += 1
                    ready.set()
                    return
                async for line in answer.content:
                    if line.startswith(b": live"):
                        self.opened += 1
                        ready.set()
                    elif line.startswith(b"data:"):
                        self.heard.setdefault(device["username"], []).append(time.perf_counter())
        except (aiohttp.ClientError, OSError):
            self.failed += 1
            ready.set()

    async def open_many(self, devices: list[dict], count: int, batch: int = 250) -> None:
        for start in range(0, count, batch):
            waits = []
            for number in range(start, min(start + batch, count)):
                ready = asyncio.Event()
                waits.append(ready.wait())
                device = devices[number % len(devices)]
                self.tasks.append(asyncio.create_task(self.open(device, ready)))
            await asyncio.gather(*waits)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def _checkin(resident_id: str, seq: int) -> dict:
    return {
        "seq": seq,
        "name": "checkin.record",
        "args": {
            "id": str(uuid.uuid4()),
            "resident_id": resident_id,
            "at": "2026-11-27T09:30:00Z",
            "seen_in_person": True,
            "wellbeing": "good",
            "notes": "bench.live",
        },
        "hlc": f"{int(time.time() * 1000):013d}:00000:benchlive",
    }


async def _fan_out(session, streams: Streams, writer: dict, rounds: int, count: int) -> list:
    """Per round: the seconds from the push until each stream in scope heard of it."""
    async with session.get(
        "/api/v1/sync/pull", params={"limit": "5000"}, headers=writer["headers"]
    ) as response:
        page = await response.json()
    residents = [c["id"] for c in page["changes"] if c["entity"] == "resident"]
    in_scope = sum(
        1 for n in range(count) if LISTENERS[n % len(LISTENERS)] in IN_SCOPE
    )  # the devices are dealt round-robin over LISTENERS
    delays = []
    for seq in range(1, rounds + 1):
        before = sum(len(streams.heard.get(name, [])) for name in IN_SCOPE)
        started = time.perf_counter()
        body = {
            "protocol": 1,
            "device_id": writer["device_id"],
            "mutations": [_checkin(residents[seq % len(residents)], seq)],
        }
        async with session.post("/api/v1/sync/push", json=body, headers=writer["headers"]) as r:
            await r.read()
        deadline = started + 10
        while time.perf_counter() < deadline:
            heard = sum(len(streams.heard.get(name, [])) for name in IN_SCOPE)
            if heard - before >= in_scope:
                break
            await asyncio.sleep(0.01)
        arrivals = sorted(
            t - started for name in IN_SCOPE for t in streams.heard.get(name, []) if t >= started
        )
        delays.append(arrivals)
        await asyncio.sleep(0.5)
    return delays


async def _run(base_url: str, pid: int, count: int, rounds: int, idle_s: float) -> dict:
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as session:
        # Four devices of each listener, dealt in turn: stream n is LISTENERS[n % 3]'s.
        devices = [await _sign_in(session, name) for _ in range(4) for name in LISTENERS]
        writer = await _sign_in(session, "worker1")
        before = serving.server_memory(pid)
        streams = Streams(session)
        started = time.perf_counter()
        await streams.open_many(devices, count)
        open_s = time.perf_counter() - started
        cpu = serving.cpu_seconds(pid)
        await asyncio.sleep(idle_s)
        idle_cpu = serving.cpu_seconds(pid) - cpu
        idle = serving.server_memory(pid)
        delays = await _fan_out(session, streams, writer, rounds, count)
        stranger = len(streams.heard.get("worker3", []))
        await streams.close()
    return {
        "streams": count,
        "opened": streams.opened,
        "failed": streams.failed,
        "open_s": open_s,
        "rss_before_mb": before[0]["rss_mb"],
        "rss_open_mb": idle[0]["rss_mb"],
        "peak_mb": idle[0]["peak_mb"],
        "idle_s": idle_s,
        "idle_cpu_s": idle_cpu,
        "delays": delays,
        "heard_out_of_scope": stranger,
        "in_scope": sum(1 for n in range(count) if LISTENERS[n % len(LISTENERS)] in IN_SCOPE),
    }


def measure(database: str, count: int, rounds: int, idle_s: float) -> dict:
    name = f"doorstep_live_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="doorstep-live-") as folder:
        if database == "sqlite":
            url = databases.sqlite_url(Path(folder) / "demo.db")
        else:
            url = databases.pg_create(name)
        try:
            print("building the demo district", file=sys.stderr)
            build_demo(url)
            process, base_url = serving.start("cli", url, 1)
            try:
                figures = asyncio.run(_run(base_url, process.pid, count, rounds, idle_s))
            finally:
                process.terminate()
                process.wait(timeout=30)
        finally:
            if database == "postgresql":
                databases.pg_drop(name)
    return {**figures, "database": database}


def _quantile(values: list[float], q: float) -> float:
    return values[max(0, math.ceil(q * len(values)) - 1)] * 1000 if values else math.nan


def table(r: dict) -> str:
    everyone = sorted(d for one in r["delays"] for d in one)
    last = [one[-1] for one in r["delays"] if one]
    per_stream_kb = (r["rss_open_mb"] - r["rss_before_mb"]) * 1024 / max(r["opened"], 1)
    rows = [
        ("database", r["database"]),
        ("streams opened (refused or lost)", f"{r['opened']:,} ({r['failed']})"),
        ("time to open them all", f"{r['open_s']:.1f} s"),
        ("server RSS before / with the streams open", (
            f"{r['rss_before_mb']:.0f} MB / **{r['rss_open_mb']:.0f} MB** "
            f"(peak {r['peak_mb']:.0f} MB)"
        )),
        ("memory a stream", f"{per_stream_kb:.1f} KB"),
        ("server CPU while they idle", (
            f"{r['idle_cpu_s'] / r['idle_s'] * 100:.1f} % of a core over {r['idle_s']:.0f} s"
        )),
        ("pushes; streams in scope that heard each within 10 s (fewest)", (
            f"{len(r['delays'])}; {min(len(one) for one in r['delays']):,} of {r['in_scope']:,}"
            if r["delays"] else "—"
        )),
        ("push → event, p50 / p99 of every stream", (
            f"{_quantile(everyone, 0.5):.0f} ms / {_quantile(everyone, 0.99):.0f} ms"
        )),
        ("push → the last stream heard, worst push", f"{max(last) * 1000:.0f} ms" if last else "—"),
        ("events heard by streams out of scope", str(r["heard_out_of_scope"])),
    ]  # fmt: skip
    lines = ["| figure | value |", "|---|---|"]
    lines += [f"| {label} | {value} |" for label, value in rows]
    return "\n".join(lines)


def title(r: dict) -> str:
    return f"## Live updates: {r['streams']:,} open streams, {r['database']} (issue 24)"


def render(r: dict, command: str) -> str:
    return "\n".join(
        [
            title(r),
            "",
            f"Measured by `{command}` on {machine()}; one server process (`python -m server "
            "run`), the streams held by one aiohttp client on the same machine. A third of the "
            "streams are outside the community the check-ins are pushed to.",
            "",
            table(r),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.live",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--streams", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5, help="pushes timed to every stream")
    parser.add_argument("--idle", type=float, default=25.0, help="seconds the streams idle")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    figures = measure(args.database, args.streams, args.rounds, args.idle)
    print(table(figures))
    if args.write_docs:
        command = "python -m bench.live " + " ".join(argv if argv is not None else sys.argv[1:])
        write_section(render(figures, command.replace(" --write-docs", "")), title(figures))


if __name__ == "__main__":
    main()
