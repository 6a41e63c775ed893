"""The load benchmark's tool, run briefly: five phones against a SQLite server it starts."""

from bench.load import measure, table


def test_five_phones_sync_for_three_seconds_without_errors():
    [figures] = measure("sqlite", phones=5, in_flight=2, seconds=3, push_share=0.5)

    assert figures["errors"] == {} and figures["rejected"] == {}
    assert figures["start_errors"] == 0
    assert figures["records_per_phone"] > 0  # each phone pulled its scope first
    assert figures["syncs"] > 0 and figures["syncs_per_s"] > 0
    assert figures["pushes"] > 0 and figures["applied"] == figures["pushes"]
    assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert figures["server_ms_per_sync"] > 0  # read from the server process's /proc entry
    assert "syncs/s" in table([figures])
