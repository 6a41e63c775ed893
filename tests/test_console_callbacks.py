"""The console's request page: the 回访 form (blank answers are no answer), the repeat flags
and the merge form, and a bad 回访 answered with a page that changes nothing."""

import re

from tests.test_console_words import _console
from tests.test_hotline_callbacks import _call, told


def _csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([0-9a-f]+)"', html)[1]


async def test_a_callback_recorded_from_the_request_page(api):
    dispatcher = await api.login("dispatcher")
    rid = await told(api, dispatcher)
    client = await _console(api, "dispatcher", "zh")
    try:
        page = await client.get(f"/console/requests/{rid}")
        assert 'id="callback"' in page.text and "记录回访" in page.text
        url = f"/console/requests/{rid}/callback"
        bad = {"_csrf_token": _csrf(page.text), "method": "fax", "reached": "true"}
        refused = await client.post(url, data=bad)
        assert refused.status_code == 400 and "<html" in refused.text
        form = {"_csrf_token": _csrf(page.text), "method": "sms", "reached": "true"}
        form |= {"resolved": "", "satisfied": "false", "note": ""}
        done = await client.post(url, data=form)
        assert done.status_code == 303, done.text
        shown = await client.get(f"/console/requests/{rid}")
        assert 'data-action="callback"' in shown.text
        assert "短信回访" in shown.text and "不满意" in shown.text
        assert "回访不满意，转复核" in shown.text
        request = (await dispatcher.get(f"/api/v1/requests/{rid}")).json()
        (recorded,) = request["callbacks"]
        assert recorded["resolved"] is None and recorded["satisfied"] is False
        assert request["status"] == "dispatched"  # 复核
        assert 'id="callback"' not in shown.text  # nothing to call back about now
    finally:
        await client.aclose()
    supervisor = await _console(api, "supervisor1", "zh")
    try:
        assert 'id="callback"' not in (await supervisor.get(f"/console/requests/{rid}")).text
    finally:
        await supervisor.aclose()


async def test_a_repeat_is_flagged_and_merged_from_the_request_page(api):
    dispatcher = await api.login("dispatcher")
    first = (await dispatcher.post("/api/v1/requests", json=_call("13722223333"))).json()
    again = (await dispatcher.post("/api/v1/requests", json=_call("13722223333"))).json()
    client = await _console(api, "dispatcher", "en")
    try:
        page = await client.get(f"/console/requests/{again['id']}")
        assert 'id="repeat"' in page.text and first["number"] in page.text
        assert 'id="merge"' in page.text
        form = {"_csrf_token": _csrf(page.text), "into": first["id"]}
        done = await client.post(f"/console/requests/{again['id']}/merge", data=form)
        assert done.status_code == 303, done.text
        merged = await client.get(f"/console/requests/{again['id']}")
        assert 'id="merged"' in merged.text and 'id="merge"' not in merged.text
        main = await client.get(f"/console/requests/{first['id']}")
        assert 'id="urges"' in main.text and "Urges: 1" in main.text
        assert 'data-action="urged"' in main.text
    finally:
        await client.aclose()


async def test_the_console_intake_shows_the_earlier_request(api):
    dispatcher = await api.login("dispatcher")
    client = await _console(api, "dispatcher", "zh")
    try:
        queue = await client.get("/console/")
        form = {
            "_csrf_token": _csrf(queue.text),
            "channel": "phone",
            "category_code": "repair.water",
            "description": "水管又漏了",
            "caller_name": "周先生",
            "caller_phone": "13755556666",
            "address": "城外某路9号",
            "resident_id": "new",
            "confirm_unplaced": "1",
        }
        first = await client.post("/console/requests", data=form)
        assert first.status_code == 303, first.text
        first_page = await client.get(first.headers["location"])
        assert 'id="repeat"' not in first_page.text
        again = await client.post("/console/requests", data=form)
        assert again.status_code == 303, again.text
        shown = await client.get(again.headers["location"])
    finally:
        await client.aclose()
    listed = (await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json()
    mine = sorted(
        (r for r in listed if r["caller_phone"] == "13755556666"), key=lambda r: r["number"]
    )
    assert len(mine) == 2 and mine[1]["repeat_of"] == mine[0]["id"]
    banner = shown.text.split('id="repeat"')[1].split("</p>")[0]
    assert mine[0]["number"] in banner and 'id="merge"' in shown.text
