"""Times shown to people: in the configured zone, the year where it matters."""

from datetime import UTC, datetime

import pytest

from shared.localtime import format_csv, format_local, to_local, zone

CALL = datetime(2026, 11, 28, 13, 55, tzinfo=UTC)  # 21:55 in Beijing


def test_a_late_call_reads_as_beijing_time():
    assert format_local(CALL, "zh", now=CALL) == "11月28日 21:55"
    assert format_local(CALL, "en", now=CALL) == "28 Nov 21:55"


def test_the_year_is_shown_when_it_is_not_this_year():
    later = datetime(2027, 1, 2, tzinfo=UTC)
    assert format_local(CALL, "zh", now=later) == "2026年11月28日 21:55"
    assert format_local(CALL, "en", year=True) == "28 Nov 2026 21:55"


def test_naive_times_are_utc_and_other_zones_apply():
    assert to_local(CALL.replace(tzinfo=None)).hour == 21
    assert format_local(CALL, "en", "Europe/London", now=CALL) == "28 Nov 13:55"
    assert format_csv(CALL) == "2026-11-28 21:55:00+08:00"
    assert format_local(None) == "" and format_csv(None) == ""


def test_an_unknown_zone_is_refused():
    with pytest.raises(ValueError):
        zone("Mars/Olympus")
