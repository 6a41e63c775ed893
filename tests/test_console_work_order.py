"""The printable work order (工单): one A4 page for a request at each level (district,
subdistrict, community, department) with the request, the caller, the routing, the time limit
and due time in local time, and room for signatures; only those who may read the request get
it, in both languages."""

from datetime import datetime

import httpx

from shared.localtime import format_local
from tests.support.browser import chromium, sign_in
from tests.support.public import REPORT
from tests.test_console_words import _assert_words, _console


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_a_work_order_for_a_request_at_each_level(api, settings):
    # One the district still holds: an address no community is found for.
    unplaced = {**REPORT, "address": "某路某号（不知道哪个社区）"}
    assert (await api.client.post("/api/v1/public/requests", json=unplaced)).status_code == 201
    dispatcher = await api.login("dispatcher")
    everything = (await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json()
    by_level = {}
    for request in everything:
        level = (
            "district"
            if not request["held_by"] and not request["routed_department"]
            else request["level"]
        )
        by_level.setdefault(level, request)
    assert {"district", "subdistrict", "community", "department"} <= set(by_level)
    for lang in ("zh", "en"):
        client = await _console(api, "dispatcher", lang)
        for level, request in by_level.items():
            page = await client.get(f"/console/requests/{request['id']}/work-order")
            assert page.status_code == 200, (level, page.text[:300])
            html = page.text
            _assert_words(html, lang, f"work order {level}")
            assert request["number"] in html and request["caller_phone"] in html
            assert request["caller_name"] in html
            due = format_local(_at(request["due_at"]), lang, settings.timezone, year=True)
            received = format_local(_at(request["received_at"]), lang, settings.timezone, year=True)
            assert due in html and received in html, (level, due)
            assert "@media print" in html and "size:A4" in html
            assert 'id="wo-routing"' in html and 'data-action="received"' in html
            if lang == "zh":
                assert "承办人（签字）" in html and "审核人（签字）" in html and "日期" in html
                limit = html.split('id="wo-limit">')[1].split("</td>")[0]
                assert limit.endswith(("小时", "个工作日")), limit  # the time limit, in words
                cell = html.split('id="wo-level">')[1].split("<")[0]
                held_by = html.split('id="wo-held-by">')[1].split("<")[0]
                department = html.split('id="wo-department">')[1].split("<")[0]
                if level == "district":
                    assert held_by == "区"
                elif level == "department":
                    assert cell == "部门" and department == request["routed_department"]["name"]
                else:
                    assert cell == {"subdistrict": "街道", "community": "社区"}[level]
                    assert held_by == request["held_by"]["name"]
        # Linked from the request page.
        shown = await client.get(f"/console/requests/{by_level['community']['id']}")
        assert f"/console/requests/{by_level['community']['id']}/work-order" in shown.text


async def test_only_those_who_may_read_the_request_get_its_work_order(api):
    water = await api.login("dept_water")
    mine = (await water.get("/api/v1/requests")).json()[0]["id"]
    dispatcher = await api.login("dispatcher")
    everything = (await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json()
    not_water = next(r["id"] for r in everything if not r["routed_department"])
    office = await api.login("subdistrict1")
    held = (await office.get("/api/v1/requests", params={"held": True})).json()[0]["id"]
    worker = await api.login("worker1")
    theirs = {r["id"] for r in (await worker.get("/api/v1/requests")).json()}
    not_theirs = next(r["id"] for r in everything if r["id"] not in theirs)

    for username, request_id, status in (
        ("dept_water", mine, 200),
        ("dept_water", not_water, 404),
        ("subdistrict1", held, 200),
        ("sup_s02", held, 404),
        ("inspector1", held, 200),
        ("worker1", not_theirs, 404),
    ):
        client = await _console(api, username, "zh")
        page = await client.get(f"/console/requests/{request_id}/work-order")
        assert page.status_code == status, (username, page.status_code)
        if status == 404:
            assert "text/html" in page.headers["content-type"]
            assert everything[0]["caller_phone"] not in page.text
    # Not signed in: the way to the login form, nothing of the request.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://doorstep"
    ) as stranger:
        page = await stranger.get(f"/console/requests/{held}/work-order")
        assert page.status_code in (302, 303) and "login" in page.headers["location"]
    # A malformed id is a 404 page, never a 500.
    client = await _console(api, "dispatcher", "zh")
    assert (await client.get("/console/requests/nope/work-order")).status_code in (400, 404)


def test_the_work_order_prints_on_a4_in_chromium(live_url, settings):
    """Printed (print media, A4): the toolbar is gone, the sheet fits the page's width, the
    signature rows are there, and Chromium makes a PDF of A4 pages from it."""
    with chromium(settings) as browser:
        page = sign_in(browser, live_url, "dispatcher")
        page.click("table a[href*='/console/requests/']")
        page.click("#work-order-link")
        page.wait_for_selector("#work-order")
        assert page.is_visible("#back")
        page.emulate_media(media="print")
        assert not page.is_visible("#back")
        assert page.is_visible("#wo-signatures")
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF")
        # An A4 page is 595 × 842 points.
        assert b"/MediaBox [0 0 595" in pdf or b"/MediaBox [0 0 594" in pdf
