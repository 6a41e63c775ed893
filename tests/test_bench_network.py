"""The weak-network benchmark's parts: the user-space link paces, delays, counts and cuts;
a real phone core's first sync through it survives a cut without receiving finished pages
again. `tc netem` in a network namespace is used where the machine allows it; where it does
not, that test skips with the reason."""

import asyncio
import shutil
import socket
import threading
import time

import pytest

from bench.link import Link
from bench.network import first_sync, netem_unavailable


def echo_server() -> tuple[int, threading.Event]:
    """A TCP server that answers every byte it gets with `repeat` times as many."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        with listener:  # closed when told to stop (a socket left open fails a later test)
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                with conn:
                    data = conn.recv(100)
                    if data:
                        conn.sendall(b"x" * 62_500)  # half a second at 1 Mbit/s

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1], stop


def fetch(port: int) -> tuple[bytes, float]:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"go")
        received = b""
        while len(received) < 62_500:
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
    return received, time.perf_counter() - started


def test_the_link_paces_delays_counts_and_cuts():
    port, stop = echo_server()
    link = Link(port, rate_bps=1_000_000, one_way_s=0.15)
    link.start()
    try:
        received, seconds = fetch(link.port)
        assert len(received) == 62_500
        # 0.5 s on the wire plus the delay there and back; well under twice that.
        assert 0.5 + 0.3 - 0.05 <= seconds < 1.6
        assert link.down.bytes == 62_500 and link.up.bytes == 2
        link.cut_after_down_bytes = link.down.bytes + 20_000
        link.down_for_s = 0.6
        received, _ = fetch(link.port)
        assert len(received) < 62_500 and link.cuts == 1  # cut mid-way
        with pytest.raises(OSError):  # still no coverage: refused at once
            received, _ = fetch(link.port)
            if len(received) < 62_500:
                raise ConnectionResetError
        time.sleep(0.7)
        assert len(fetch(link.port)[0]) == 62_500  # back
    finally:
        link.stop()
        stop.set()
        time.sleep(0.3)  # the echo server sees the stop and closes its socket


def test_a_first_sync_over_a_weak_link_survives_a_cut(tmp_path, sqlite_template):
    from bench.sync import add_records
    from testbed import live_server
    from tests.support.server import make_settings

    shutil.copyfile(sqlite_template, tmp_path / "server.db")
    url = f"sqlite+aiosqlite:///{tmp_path / 'server.db'}"
    asyncio.run(add_records(url, 1200))
    with live_server(make_settings(url)) as base:
        port = int(base.rsplit(":", 1)[1])
        whole = first_sync(tmp_path, port, Link(port, 20_000_000, 0.01), "whole")
        assert whole["records"] >= 1200 and whole["pages"] >= 2
        assert whole["answers"] == whole["pages"] == whole["attempts"]
        link = Link(port, 20_000_000, 0.01, cut_after_down_bytes=whole["bytes"] // 2)
        link.down_for_s = 1.0
        cut = first_sync(tmp_path, port, link, "cut")
        assert cut["cuts"] == 1 and cut["records"] == whole["records"]
        # Only the page the cut broke was sent again; refused attempts got no answer.
        assert cut["pages"] == whole["pages"]
        assert cut["answers"] - cut["pages"] <= 1


def test_netem_in_a_network_namespace():
    reason = netem_unavailable()
    if reason:
        pytest.skip(f"netem cannot be used on this machine: {reason}")
    assert reason is None  # the probe made a namespace, a veth pair and netem, and removed them
