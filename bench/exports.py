"""The request list's whole-year exports (issue 21): `/console/export.csv` and
`/console/export.xlsx` of every request a district's dispatcher sees, over real HTTP on
loopback, each in a fresh process: wall time to the last byte, size, and how far the
process's peak memory rose above what it held before the download (the server runs in this
process, in a thread; the client writes the download to a file as it comes).

    python -m bench.exports --url URL [--format csv|xlsx]   (without --format: both)

URL: a database seeded by `python -m bench.console --keep` (migrated first)."""

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

import httpx

from server.db.migrate import upgrade
from testbed import DEMO_PASSWORD, cheap_settings, live_server


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def one(url: str, form: str) -> None:
    with live_server(cheap_settings(url)) as base, httpx.Client(base_url=base, timeout=900) as c:
        c.cookies.set("doorstep_lang", "zh")
        login = c.get("/console/login")
        csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', login.text)[1]
        c.post(
            "/console/login",
            data={"username": "dispatcher", "password": DEMO_PASSWORD, "_csrf_token": csrf},
        )
        c.get("/console/", params={"search": "000"})  # warm: one list answered
        before = _rss_kb()
        size = rows = 0
        start = time.perf_counter()
        with tempfile.TemporaryFile() as sink, c.stream("GET", f"/console/export.{form}") as got:
            assert got.status_code == 200, got.status_code
            for piece in got.iter_bytes():
                sink.write(piece)
                size += len(piece)
                rows += piece.count(b"\n") if form == "csv" else 0
        took = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    shown = f", {rows - 1} rows" if form == "csv" else ""
    print(
        f"export.{form}: {took:.1f} s, {size / 1e6:.1f} MB{shown}, peak memory "
        f"{max(peak - before, 0) / 1024:.0f} MB above the {before / 1024:.0f} MB held before; "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--format", choices=("csv", "xlsx"))
    args = parser.parse_args(argv)
    if args.format:
        one(args.url, args.format)
        return
    upgrade(args.url)
    for form in ("csv", "xlsx"):  # each in a process of its own: its own peak
        subprocess.run(
            [sys.executable, "-m", "bench.exports", "--url", args.url, "--format", form],
            check=True,
        )


if __name__ == "__main__":
    main()
