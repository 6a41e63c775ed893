"""The console's pages for the levels (an office's or department's queue, the inspectors'
list, the levels' part of a request page): words not keys in both languages, local times,
and bad form values answered by a page that changes nothing."""

import re

from server.clock import utcnow
from shared.localtime import format_local
from tests.support.server import database_state
from tests.test_console_words import _assert_words, _console

PAGES = {
    "subdistrict1": ["/console/levels/", "/console/levels/inspection", "/console/"],
    "dept_water": ["/console/levels/", "/console/"],
    "inspector1": ["/console/levels/inspection", "/console/", "/console/dashboard"],
}


async def test_the_levels_pages_show_words_and_local_times(api, settings):
    water = await api.login("dept_water")
    mine = (await water.get("/api/v1/requests")).json()
    for lang in ("zh", "en"):
        for username, paths in PAGES.items():
            client = await _console(api, username, lang)
            for path in paths + [f"/console/requests/{mine[0]['id']}"]:
                page = await client.get(path)
                assert page.status_code == 200, (username, path, page.text[:300])
                _assert_words(page.text, lang, f"{username} {path}")
    # The department's queue shows each due time in the configured zone.
    client = await _console(api, "dept_water", "zh")
    page = (await client.get("/console/levels/")).text
    from datetime import datetime

    due = datetime.fromisoformat(mine[0]["due_at"].replace("Z", "+00:00"))
    assert format_local(due, "zh", settings.timezone, now=utcnow()) in page
    assert mine[0]["number"] in page


async def test_a_bad_form_value_on_the_levels_pages_is_a_page(api):
    water = await api.login("dept_water")
    rid = (await water.get("/api/v1/requests")).json()[0]["id"]
    office = await api.login("subdistrict1")
    held = (await office.get("/api/v1/requests", params={"held": True})).json()[0]["id"]
    cases = [
        ("dept_water", rid, "return", {"reason": "  "}, 400),
        ("dept_water", rid, "transfer", {"department_code": "DEP99"}, 404),
        ("dept_water", rid, "answer", {"note_id": "not-a-uuid", "note": "x"}, 400),
        ("dept_water", rid, "fly", {}, 404),
        ("subdistrict1", held, "route", {"org_unit_code": "D01-S02-C01"}, 403),
        ("subdistrict1", held, "route", {"org_unit_code": "NOPE"}, 404),
        ("inspector1", held, "route", {"org_unit_code": "D01-S01-C01"}, 403),
        ("inspector1", held, "supervise", {"note": ""}, 400),
    ]
    for username, request_id, step, form, status in cases:
        client = await _console(api, username, "zh")
        page = (await client.get(f"/console/requests/{request_id}")).text
        csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', page)[1]
        before = await database_state(api)
        answer = await client.post(
            f"/console/levels/requests/{request_id}/{step}", data={**form, "_csrf_token": csrf}
        )
        assert answer.status_code == status, (username, step, form, answer.text[:200])
        assert answer.headers["content-type"].startswith("text/html")
        assert "返回" in answer.text
        assert await database_state(api) == before, (username, step)
