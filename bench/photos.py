"""Photo sync benchmark: 100 photos of about 300 KB each, taken on an offline phone, then
synced to the server over loopback: seconds, MB/s, and the phone process's peak memory.

The server runs in its own process (`python -m server run` on a fresh demo database), so the
memory figures are the phone's alone: tracemalloc's peak of Python allocations during the sync,
and the process's peak resident set (ru_maxrss). Prints the figures and writes them to
docs/benchmarks.md (the photo section).

    python -m bench.photos [--photos 100]
"""

import argparse
import io
import os
import resource
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path

TITLE = "## Photos: 100 photos synced from the phone"


def camera_photo(n: int) -> bytes:
    """A photo-like JPEG (smooth shapes and a little grain), about 300 KB once the phone has
    re-encoded it at 1600 px."""
    from PIL import Image, ImageFilter

    small = Image.frombytes("RGB", (40, 30), os.urandom(40 * 30 * 3))
    image = small.resize((2000, 1500), Image.Resampling.BICUBIC)
    grain = Image.frombytes("L", (2000, 1500), os.urandom(2000 * 1500)).filter(
        ImageFilter.GaussianBlur(1.2)
    )
    image = Image.blend(image, Image.merge("RGB", (grain, grain, grain)), 0.22)
    image.putpixel((n % 2000, 0), (255, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.photos")
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    from bench.results import machine, write_section
    from mobile.core.crypto import KdfCost
    from mobile.core.phone import Phone
    from testbed import DEMO_PASSWORD, build_demo, cheap_settings, free_port, spawn_server

    work = Path(tempfile.mkdtemp(prefix="doorstep-photobench-"))
    url = f"sqlite+aiosqlite:///{work / 'server.db'}"
    build_demo(url, cheap_settings(url))
    port = free_port()
    server = spawn_server(url, port)
    try:
        base = f"http://127.0.0.1:{port}"
        phone = Phone(work / "phone", kdf_cost=KdfCost())
        phone.sign_in(base, "worker1", DEMO_PASSWORD, "246810")
        phone.sync()
        visits = phone.visits(status="assigned")
        per_visit = 20  # the most one proof names
        needed = -(-args.photos // per_visit)
        visits = visits[:needed]
        if len(visits) < needed:
            raise SystemExit(f"worker1 has {len(visits)} open visits; {needed} are needed")

        started = time.perf_counter()
        sizes = []
        for n in range(args.photos):  # no signal: everything stays on the phone
            visit = visits[n // per_visit]
            sha = phone.add_photo(visit["id"], camera_photo(n))
            sizes.append(phone.blobs.info(sha).size)
        capture_s = time.perf_counter() - started
        for visit in visits:
            phone.start_visit(visit["id"])
            phone.complete_visit(visit["id"], "benchmark")
        total = sum(sizes)

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        started = time.perf_counter()
        phone.sync()
        sync_s = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert phone.state.problem is None, phone.state.problem
        assert phone.store.pending_count() == 0
        kept = sum(1 for sha in phone.blobs.all() if phone.blobs.has_bytes(sha.sha256))
        assert kept == 0, "every confirmed photo's bytes are dropped on the phone"
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)

    mb = total / 1_000_000
    rows = [
        ("photos", f"{args.photos}, {mb:.1f} MB in all (mean {total / args.photos / 1000:.0f} KB)"),
        ("capture (re-encode, hash, encrypt), offline", f"{capture_s:.1f} s"),
        ("sync (HEAD, 256 KiB chunks, push, pull)", f"{sync_s:.1f} s"),
        ("throughput", f"{mb / sync_s:.1f} MB/s"),
        ("phone: peak Python allocations during sync (tracemalloc)", f"{peak / 1e6:.1f} MB"),
        (
            "phone: peak RSS before / after sync (ru_maxrss)",
            f"{rss_before / 1024:.0f} / {rss_after / 1024:.0f} MB",
        ),
    ]
    for name, value in rows:
        print(f"{name:60} {value}")
    section = "\n".join(
        [
            TITLE,
            "",
            f"`python -m bench.photos` ({machine()}). The server in its own process on a fresh "
            "SQLite demo database; the phone (`mobile.core`, production Argon2id cost) signed in "
            "as worker1 takes the photos with no signal (re-encoded to ≤1600 px JPEG, EXIF "
            "removed, encrypted in 256 KiB pieces), completes its visits with them as proof, "
            "then syncs once over loopback HTTP.",
            "",
            "| | |",
            "|---|---|",
            *[f"| {name} | {value} |" for name, value in rows],
            "",
            "The phone never holds the photos at once: an upload reads and decrypts one 256 KiB "
            "piece at a time, so the sync's peak allocations stay near one chunk and the "
            "HTTP client's buffers, whatever the number of photos. After the server confirms "
            "a photo (the push naming it applied), the phone deletes its bytes and keeps the "
            "thumbnail.",
            "",
        ]
    )
    if not args.no_write:
        write_section(section, TITLE)


if __name__ == "__main__":
    main()
