"""The load benchmark's tool, run briefly: five phones against a SQLite server it starts."""

import asyncio
from dataclasses import replace

import pytest

from bench.load import measure, run_fleet, table
from bench.phones import Phone
from bench.serving import Meters
from tests.support.live import live_server
from tests.support.server import PASSWORD


def test_five_phones_sync_for_three_seconds_without_errors():
    [figures] = measure("sqlite", phones=5, in_flight=2, seconds=3, push_share=0.5)

    assert figures["errors"] == {} and figures["rejected"] == {}
    assert figures["start_errors"] == 0
    assert figures["records_per_phone"] > 0  # each phone pulled its scope first
    assert figures["syncs"] > 0 and figures["syncs_per_s"] > 0
    assert figures["pushes"] > 0 and figures["applied"] == figures["pushes"]
    assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert figures["server_ms_per_sync"] > 0  # read from the server process's /proc entry
    assert figures["turned_away"] == 0  # 2 in flight: far below the server's places
    [server] = figures["server_memory"]  # one process, read from its /proc status
    assert 20 < server["rss_mb"] <= server["peak_mb"] < 2000
    assert "syncs/s" in table([figures]) and "turned away" in table([figures])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_syncs_turned_away_are_counted_apart_from_errors(settings):
    # One place and next to no wait: with four in flight, some syncs are turned away.
    settings = replace(settings, sync_in_flight=1, sync_wait_s=0.001)
    phones = [Phone(name, PASSWORD) for name in ("worker1", "worker2", "worker3") * 2]
    with live_server(settings) as url:
        figures = asyncio.run(run_fleet(url, phones, 4, 2, 0.5, 500, Meters(None)))

    assert figures["errors"] == {} and figures["start_errors"] == 0
    assert figures["turned_away"] > 0 and 0 < figures["turned_away_share"] < 1
    assert figures["syncs"] > 0  # the served ones, whose latencies make the quantiles
