"""The console's office pages at volume (issue 21): the demo district with a year of hotline
calls (`seed-demo --requests N`, default 100,000), then every console page as each role that
works it, over real HTTP on loopback, timed and weighed.

    python -m bench.console [--database sqlite|postgresql] [--requests 100000] [--rounds 20]
                            [--url URL] [--keep]

`--url` measures a database already seeded (migrated first); `--keep` leaves the one made
(its URL is printed) for another run. Progress goes to stderr; the table (median and p95 wall
time of the whole answer, and its size) to stdout."""

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
from sqlalchemy import select

from bench.databases import pg_create, pg_drop, sqlite_url
from server.clock import utcnow
from server.db.migrate import upgrade
from server.db.sessions import create_engine_for, session_factory
from server.hotline.tables import HotlineRequest
from testbed import DEMO_PASSWORD, build_demo, cheap_settings, live_server

TARGET_MS = 300


async def an_old_request(url: str) -> dict[str, str]:
    """The search terms of a request from eleven months ago: the caller's phone, its number,
    the caller's name, part of the address, a word of the text; and its id."""
    engine = create_engine_for(url)
    try:
        async with session_factory(engine)() as session:
            old = await session.scalar(
                select(HotlineRequest)
                .where(HotlineRequest.received_at < utcnow() - timedelta(days=330))
                .order_by(HotlineRequest.received_at.desc())
                .limit(1)
            )
    finally:
        await engine.dispose()
    if old is None:
        raise SystemExit("no request eleven months old: seed with --requests")
    street = re.search(r"社区(.+?号)", old.address)
    return {
        "id": str(old.id),
        "phone": old.caller_phone,
        "phone_tail": old.caller_phone[-4:],
        "number": old.number,
        "name": old.caller_name,
        "address": street[1] if street else old.address[-8:],
        "text": old.description[:4],
    }


def pages(old: dict[str, str]) -> dict[str, list[tuple[str, str, dict]]]:
    """(page name, path, query) by the account that opens it."""
    search = [
        (f"search: caller phone {old['phone']}", "/console/", {"search": old["phone"]}),
        (f"search: phone ends {old['phone_tail']}", "/console/", {"search": old["phone_tail"]}),
        (f"search: number {old['number']}", "/console/", {"search": old["number"]}),
        (f"search: caller name {old['name']}", "/console/", {"search": old["name"]}),
        (f"search: address {old['address']}", "/console/", {"search": old["address"]}),
        (f"search: text {old['text']}", "/console/", {"search": old["text"]}),
    ]
    return {
        "dispatcher": [
            ("request list", "/console/", {}),
            ("request list, last page", "/console/", {"page": "last"}),
            (
                "request list, closed, one subdistrict",
                "/console/",
                {"status": "closed", "subdistrict": "D01-S03"},
            ),
            *search,
            ("本级待办 (district)", "/console/levels/", {}),
            ("本级待办, overdue", "/console/levels/", {"overdue": "1"}),
            ("request page (11 months old)", f"/console/requests/{old['id']}", {}),
            ("supervision (督办)", "/console/supervise", {}),
            ("dashboard", "/console/dashboard", {}),
            ("reports", "/console/reports/", {}),
        ],
        "subdistrict1": [
            ("本级待办 (subdistrict)", "/console/levels/", {}),
            ("request list", "/console/", {}),
        ],
        "supervisor1": [
            ("本级待办 (community)", "/console/levels/", {}),
            ("request list", "/console/", {}),
            ("search: text", "/console/", {"search": old["text"]}),
            ("dashboard", "/console/dashboard", {}),
        ],
        "dept_water": [("department queue", "/console/levels/", {})],
        "inspector1": [
            ("inspection list", "/console/levels/inspection", {}),
            ("inspection, overdue", "/console/levels/inspection", {"overdue": "1"}),
        ],
        "admin": [
            ("accounts", "/console/admin/accounts", {}),
            ("devices", "/console/admin/devices", {}),
        ],
    }


def sign_in(client: httpx.Client, username: str) -> None:
    login = client.get("/console/login")
    csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', login.text)[1]
    done = client.post(
        "/console/login",
        data={"username": username, "password": DEMO_PASSWORD, "_csrf_token": csrf},
    )
    assert done.status_code == 303, done.text[:300]


def measure(
    base: str, rounds: int, old: dict[str, str]
) -> list[tuple[str, str, float, float, int]]:
    results = []
    for username, opened in pages(old).items():
        with httpx.Client(base_url=base, timeout=120) as client:
            client.cookies.set("doorstep_lang", "zh")
            sign_in(client, username)
            for name, path, params in opened:
                if params.get("page") == "last":
                    first = client.get(path).text
                    last = re.search(r'id="page-last" href="[^"]*page=(\d+)', first)
                    params = {"page": last[1] if last else "1"}
                times, size = [], 0
                for _ in range(rounds + 1):  # the first warms caches and is not counted
                    start = time.perf_counter()
                    answer = client.get(path, params=params)
                    times.append(time.perf_counter() - start)
                    assert answer.status_code == 200, (username, name, answer.status_code)
                    size = len(answer.content)
                times = sorted(times[1:])
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] * 1000
                median = statistics.median(times) * 1000
                results.append((username, name, median, p95, size))
                flag = "" if p95 <= TARGET_MS else f"  (over {TARGET_MS} ms)"
                print(
                    f"  {username} · {name}: median {median:.0f} ms, p95 {p95:.0f} ms, "
                    f"{size / 1000:.0f} KB{flag}",
                    file=sys.stderr,
                    flush=True,
                )
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--url", help="measure this database, already seeded")
    parser.add_argument("--keep", action="store_true", help="keep the database made")
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="doorstep-bench-console-") if args.keep else None
    with tempfile.TemporaryDirectory() as scratch:
        name = f"doorstep_bench_console_{uuid.uuid4().hex[:8]}"
        if args.url:
            url = args.url
            upgrade(url)
        elif args.database == "sqlite":
            url = sqlite_url(Path(folder or scratch) / "console.db")
        else:
            url = pg_create(name)
        try:
            if not args.url:
                print(
                    f"seeding the demo district and {args.requests} requests over a year on "
                    f"{args.database} …",
                    file=sys.stderr,
                    flush=True,
                )
                start = time.perf_counter()
                counts = build_demo(url, requests=args.requests)
                print(
                    f"seeded in {time.perf_counter() - start:.0f} s: {counts['requests']} "
                    f"requests, {counts['escalations']} escalations by the clock walk",
                    file=sys.stderr,
                    flush=True,
                )
            old = asyncio.run(an_old_request(url))
            print("measuring each page as each role …", file=sys.stderr, flush=True)
            with live_server(cheap_settings(url)) as base:
                results = measure(base, args.rounds, old)
        finally:
            if args.database == "postgresql" and not args.url and not args.keep:
                pg_drop(name)
            if args.keep and not args.url:
                print(f"kept: {url}", file=sys.stderr)
    print(
        f"| account · page ({args.database}, demo + {args.requests} requests) "
        "| median | p95 | size |"
    )
    print("|---|---|---|---|")
    for username, page, median, p95, size in results:
        print(f"| {username} · {page} | {median:.0f} ms | {p95:.0f} ms | {size / 1000:.0f} KB |")


if __name__ == "__main__":
    main()
