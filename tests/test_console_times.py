"""Every time the console shows is in DOORSTEP_TIMEZONE: the queue's due times, a request's
received and due times and its timeline, the supervision lists — checked against a known
request in two zones (Asia/Shanghai by default, and another set by the setting)."""

import re
from dataclasses import replace
from datetime import datetime

import pytest

from shared.localtime import format_local
from tests.support.server import Api
from tests.test_console_words import _console

CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
async def test_times_are_shown_in_the_configured_zone(settings, zone):
    async with Api.start(replace(settings, timezone=zone)) as api:
        dispatcher = await api.login("dispatcher")
        found = (await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json()
        known = found[0]
        received = datetime.fromisoformat(known["received_at"])
        due = datetime.fromisoformat(known["due_at"])
        for lang in ("zh", "en"):
            client = await _console(api, "dispatcher", lang)
            try:
                page = await client.get(f"/console/requests/{known['id']}")
                assert format_local(received, lang, zone, year=True) in page.text
                assert format_local(due, lang, zone, year=True) in page.text
                timeline = page.text.split('id="timeline"')[1]
                assert format_local(received, lang, zone, year=True) in timeline
                queue = await client.get("/console/")
                assert format_local(due, lang, zone) in queue.text
                # No clock reading on the page is the UTC one of a time that differs locally.
                utc_clock = f"{received.hour:02d}:{received.minute:02d}"
                local_clock = format_local(received, lang, zone)[-5:]
                if utc_clock != local_clock:
                    assert utc_clock not in CLOCK.findall(timeline.split("</tr>")[1])
            finally:
                await client.aclose()
