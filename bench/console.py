"""The console's office pages at volume (issue 21): the demo district plus N more requests
(spread over the last eleven months, held by the district), then each page as the district's
dispatcher, over real HTTP on loopback, timed and weighed.

    python -m bench.console [--database sqlite|postgresql] [--requests 600] [--rounds 20]

Prints one line per page: median and p95 wall time of the whole answer, and its size."""

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx

from bench.databases import pg_create, pg_drop, sqlite_url
from server.clock import utcnow
from server.db.sessions import create_engine_for, session_factory
from server.hotline.tables import HotlineRequest
from shared.localtime import to_local
from testbed import DEMO_PASSWORD, build_demo, cheap_settings, live_server

PAGES = {
    "request list (/console/)": ("/console/", {}),
    "district 本级待办 (/console/levels/)": ("/console/levels/", {}),
    "district 本级待办, last page": ("/console/levels/", {"page": "last"}),
    "search by caller phone": ("/console/", {"search": "13700000007"}),
    "inspection list": ("/console/levels/inspection", {}),
}


async def add_requests(url: str, count: int) -> None:
    """`count` calls over the last eleven months, placed nowhere (the district holds them)."""
    now = utcnow()
    engine = create_engine_for(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            for n in range(count):
                when = now - timedelta(days=330) + timedelta(minutes=(330 * 24 * 60 // count) * n)
                session.add(
                    HotlineRequest(
                        number=f"{to_local(when):%y%m%d}-8{n:04d}"[:20],
                        channel="phone",
                        caller_name=f"来电人{n:05d}",
                        caller_phone=f"1370000{n:04d}",
                        address=f"解放路{n}号",
                        category_code="repair.water",
                        description=f"第{n}号来电：水管漏水",
                        status="received",
                        level="district",
                        received_at=when,
                        due_at=when + timedelta(hours=72),
                        stage_started_at=when,
                    )
                )
    finally:
        await engine.dispose()


def sign_in(client: httpx.Client, username: str) -> None:
    login = client.get("/console/login")
    csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', login.text)[1]
    done = client.post(
        "/console/login",
        data={"username": username, "password": DEMO_PASSWORD, "_csrf_token": csrf},
    )
    assert done.status_code == 303, done.text[:300]


def measure(base: str, rounds: int) -> list[tuple[str, float, float, int]]:
    results = []
    with httpx.Client(base_url=base, timeout=60) as client:
        client.cookies.set("doorstep_lang", "zh")
        sign_in(client, "dispatcher")
        for name, (path, params) in PAGES.items():
            if params.get("page") == "last":
                first = client.get(path).text
                last = re.search(r'id="page-last" href="[^"]*page=(\d+)', first)
                params = {"page": last[1] if last else "1"}
            times, size = [], 0
            for _ in range(rounds + 1):  # the first warms caches and is not counted
                start = time.perf_counter()
                answer = client.get(path, params=params)
                times.append(time.perf_counter() - start)
                assert answer.status_code == 200, (name, answer.status_code)
                size = len(answer.content)
            times = sorted(times[1:])
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            results.append((name, statistics.median(times) * 1000, p95 * 1000, size))
            print(
                f"  {name}: median {results[-1][1]:.0f} ms, p95 {p95 * 1000:.0f} ms, "
                f"{size / 1000:.0f} KB",
                file=sys.stderr,
                flush=True,
            )
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        name = f"doorstep_bench_console_{uuid.uuid4().hex[:8]}"
        if args.database == "sqlite":
            url = sqlite_url(Path(folder) / "console.db")
        else:
            url = pg_create(name)
        try:
            print(f"building the demo district on {args.database} …", file=sys.stderr, flush=True)
            build_demo(url)
            print(f"adding {args.requests} requests …", file=sys.stderr, flush=True)
            asyncio.run(add_requests(url, args.requests))
            with live_server(cheap_settings(url)) as base:
                results = measure(base, args.rounds)
        finally:
            if args.database == "postgresql":
                pg_drop(name)
    print(f"| page ({args.database}, demo + {args.requests} requests) | median | p95 | size |")
    print("|---|---|---|---|")
    for page, median, p95, size in results:
        print(f"| {page} | {median:.0f} ms | {p95:.0f} ms | {size / 1000:.0f} KB |")


if __name__ == "__main__":
    main()
