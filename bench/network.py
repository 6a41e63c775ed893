"""The phone on a weak network: `python -m bench.network [--records 10000] [--photos 20]`.

A phone core (mobile.core.Phone, the real client) syncs with the server (`python -m server
run` on SQLite, the demo district plus enough records in worker1's community) through a link
of 1 Mbit/s each way and 300 ms round trip:

- bytes on the wire a record, for a first sync, gzip (as the phone asks) and uncompressed;
- the first sync's time over the link;
- the same first sync with the link cut once mid-way (down 2 s): it completes, and no page
  already received is fetched again (only the page the cut broke);
- 20 photos uploaded over the link.

The link is `tc netem` in a network namespace where this machine can make one (root, and the
kernel's sch_netem); otherwise a relay in user space (bench/link.py: rate and delay, but no
loss) and the report says why. Prints the figures; `--write` puts them in docs/benchmarks.md.
"""

import argparse
import asyncio
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.link import Link
from bench.results import commit, write_section

TITLE = "## The phone on a weak network"
RATE = 1_000_000  # bits a second, each way
ONE_WAY = 0.150  # seconds: 300 ms round trip


def netem_unavailable() -> str | None:
    """Why `tc netem` in a network namespace cannot be used here (None when it can)."""
    if shutil.which("ip") is None or shutil.which("tc") is None:
        return "no `ip`/`tc` commands (iproute2)"
    name, veth = f"dsbench{uuid.uuid4().hex[:6]}", f"dsb{uuid.uuid4().hex[:6]}"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(args, capture_output=True, text=True, timeout=10)

    made = run("ip", "netns", "add", name)
    if made.returncode:
        return f"cannot make a network namespace: {made.stderr.strip()}"
    try:
        link = run("ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "p")
        if link.returncode:
            return f"cannot make a veth pair: {link.stderr.strip()}"
        qdisc = run("tc", "qdisc", "add", "dev", veth, "root", "netem", "delay", "150ms")
        if qdisc.returncode:
            return (
                f"`tc qdisc … netem` refused ({qdisc.stderr.strip()}): no sch_netem in this kernel"
            )
        return None
    finally:
        run("ip", "link", "del", veth)
        run("ip", "netns", "del", name)


def build(url: str, records: int) -> None:
    from bench.sync import build as build_district

    asyncio.run(build_district(url, records))


class Counting:
    """The phone's HTTP client, noting which page (cursor) each pull asked for, and which
    pages the server began to answer (a page cut mid-way counts, and again when re-asked)."""

    def __init__(self) -> None:
        self.cursors: list[str] = []
        self.answered: list[str] = []

    def client(self, base: str) -> httpx.Client:
        def asked(request: httpx.Request) -> None:
            if request.url.path == "/api/v1/sync/pull":
                self.cursors.append(request.url.params.get("cursor", ""))

        def answered(response: httpx.Response) -> None:
            if response.request.url.path == "/api/v1/sync/pull" and response.status_code == 200:
                self.answered.append(response.request.url.params.get("cursor", ""))

        hooks = {"request": [asked], "response": [answered]}
        return httpx.Client(base_url=base, timeout=60, event_hooks=hooks)


def first_sync(
    folder: Path, server_port: int, link: Link | None, name: str, keep: bool = False
) -> dict:
    """A new phone's first sync (through the link, if one); the phone is closed after, unless
    `keep` (then it is in the answer, for the caller to use and close)."""
    from mobile.core.crypto import KdfCost
    from mobile.core.phone import Phone
    from testbed import DEMO_PASSWORD

    base = link.start() if link else f"http://127.0.0.1:{server_port}"
    counting = Counting()
    phone = None
    try:
        phone = Phone(folder / name, http_factory=counting.client, kdf_cost=KdfCost(n=1024, r=1))
        phone.sign_in(base, "worker1", DEMO_PASSWORD, "246810")  # signs in, then the sync
        before = link.total_bytes if link else 0
        started = time.perf_counter()
        phone.sync()
        seconds = time.perf_counter() - started
        assert phone.state.problem is None, phone.state.problem
        records = sum(len(phone.store.all(entity)) for entity in ("resident", "checkin", "visit"))
        return {
            "seconds": seconds,
            "records": records,
            "bytes": (link.total_bytes - before) if link else 0,
            "attempts": len(counting.cursors),
            "answers": len(counting.answered),
            "pages": len(set(counting.answered)),
            "cuts": link.cuts if link else 0,
            **({"phone": phone} if keep else {}),
        }
    finally:
        if phone is not None and not keep:
            phone.close()
        if link:
            link.stop()


def wire_bytes(folder: Path, port: int, accept: str) -> tuple[int, int]:
    """(bytes on the wire, records) of a first pull, asking for `accept`."""
    from testbed import DEMO_PASSWORD

    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        login = http.post(
            "/api/v1/auth/login",
            json={"username": "worker1", "password": DEMO_PASSWORD, "device_id": str(uuid.uuid4())},
        ).json()
        headers = {"authorization": f"Bearer {login['access_token']}", "accept-encoding": accept}
        total, records, cursor = 0, 0, None
        while True:
            params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            response = http.get("/api/v1/sync/pull", params=params, headers=headers)
            head = sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 17
            total += response.num_bytes_downloaded + head
            page = response.json()
            records += len(page["changes"])
            cursor = page["cursor"]
            if not page["has_more"]:
                return total, records


def photos_over(phone, link: Link, count: int) -> float:
    from bench.photos import camera_photo

    visits = phone.visits(status="assigned")[: -(-count // 20)]
    for n in range(count):
        phone.add_photo(visits[n // 20]["id"], camera_photo(n))
    for visit in visits:
        phone.start_visit(visit["id"])
        phone.complete_visit(visit["id"], "weak network")
    started = time.perf_counter()
    phone.sync()
    assert phone.state.problem is None, phone.state.problem
    return time.perf_counter() - started


def run(records: int, photos: int) -> dict:
    from testbed import free_port, spawn_server

    figures: dict = {"records_asked": records, "netem": netem_unavailable()}
    folder = Path(tempfile.mkdtemp(prefix="doorstep-netbench-"))
    url = f"sqlite+aiosqlite:///{folder / 'server.db'}"
    build(url, records)
    port = free_port()
    server = spawn_server(url, port)
    try:
        figures["gzip_bytes"], figures["records"] = wire_bytes(folder, port, "gzip")
        figures["plain_bytes"], _ = wire_bytes(folder, port, "identity")
        weak = first_sync(folder, port, Link(port, RATE, ONE_WAY), "weak", keep=True)
        figures["first_sync_s"] = weak["seconds"]
        figures["link_bytes"] = weak["bytes"]
        cut_at = weak["bytes"] // 2
        cut = first_sync(
            folder, port, Link(port, RATE, ONE_WAY, cut_after_down_bytes=cut_at), "cut"
        )
        figures["cut"] = {k: v for k, v in cut.items() if k != "phone"}
        assert cut["records"] == weak["records"], "the cut sync holds every record in the end"
        if photos:
            link = Link(port, RATE, ONE_WAY)
            link.start()
            phone = weak["phone"]
            phone._http.close()  # noqa: SLF001  (the next client goes through the new link)
            phone._http = None  # noqa: SLF001
            phone.store.set_meta("server_url", f"http://127.0.0.1:{link.port}")
            figures["photos"] = photos
            figures["photos_s"] = photos_over(phone, link, photos)
            figures["photos_bytes"] = link.up.bytes
            link.stop()
    finally:
        if "weak" in locals():
            weak["phone"].close()
        server.terminate()
        server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    return figures


def render(f: dict) -> str:
    per = f["gzip_bytes"] / f["records"]
    plain = f["plain_bytes"] / f["records"]
    cut = f["cut"]
    how = (
        "`tc netem` in a network namespace"
        if f["netem"] is None
        else f"the user-space relay (bench/link.py: pacing and delay, **no loss**), because "
        f"netem is not available here: {f['netem']}"
    )
    lines = [
        f"{TITLE} (issue 23: `python -m bench.network`)",
        "",
        f"Commit {commit()}, SQLite, one worker's first sync of {f['records']:,} records through "
        f"a link of 1 Mbit/s each way and 300 ms round trip, made by {how}.",
        "",
        "| | |",
        "|---|---|",
        f"| bytes a record on the wire, first sync, gzip (what the phone asks for) | "
        f"**{per:.0f}** |",
        f"| the same uncompressed | {plain:.0f} ({plain / per:.1f}×) |",
        f"| first sync over the link | **{f['first_sync_s']:.1f} s** "
        f"({f['link_bytes'] / 1e6:.2f} MB through the link, both ways) |",
        f"| first sync with the link cut once half-way, down 2 s | {cut['seconds']:.1f} s, "
        f"complete; {cut['pages']} pages, {cut['answers']} answers begun "
        f"(pages sent again: {cut['answers'] - cut['pages']}; at most the one a cut breaks), "
        f"{cut['attempts'] - cut['answers']} attempts refused while the link was down |",
    ]
    if f.get("photos"):
        lines.append(
            f"| {f['photos']} photos uploaded over the link | {f['photos_s']:.1f} s "
            f"({f['photos_bytes'] / 1e6:.1f} MB up) |"
        )
    lines += [
        "",
        "Headers are counted (the body's bytes as sent plus each answer's header lines). A page "
        "a cut breaks is asked for again with the same cursor; pages already applied are not "
        "(the phone keeps the cursor of each page it has applied).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    figures = run(args.records, args.photos)
    section = render(figures)
    print(section)
    if args.write:
        write_section(section, TITLE)


if __name__ == "__main__":
    main()
