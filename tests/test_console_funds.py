"""The console's funds page (with its CSV) and the register of organisations, in both
languages: words, not keys; local times; forms that call the API's services; the dashboard's
block of partners and money."""

import csv
import io
import re
from datetime import UTC, datetime

import httpx
import pytest

from shared.funds import FUND_CATEGORIES, FUND_SOURCES, ORGANISATION_KINDS, fund_year
from shared.words import pairs
from tests.support.server import PASSWORD
from tests.test_console_words import _assert_words

STRINGS = pairs("console")  # key → (zh, en)
C01 = "D01-S01-C01"


async def _console(api, username: str, lang: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://doorstep"
    )
    client.cookies.set("doorstep_lang", lang)
    login = await client.get("/console/login")
    csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', login.text)[1]
    signed_in = await client.post(
        "/console/login", data={"username": username, "password": PASSWORD, "_csrf_token": csrf}
    )
    assert signed_in.status_code == 303
    page = await client.get("/console/")
    return client, re.search(r'name="_csrf_token" value="([0-9a-f]+)"', page.text)[1]


def test_every_category_kind_and_source_has_words():
    keys = [f"fc_{c}" for c in FUND_CATEGORIES] + [f"ok_{k}" for k in ORGANISATION_KINDS]
    keys += [f"src_{s}" for s in FUND_SOURCES]
    for key in keys:
        zh, en = STRINGS[key]
        assert zh.strip() and en.strip(), key


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_funds_page_and_its_csv(api, lang):
    year = fund_year(datetime.now(UTC))
    supervisor = await api.login("supervisor1")
    spent = {
        "org_unit": C01,
        "amount_cny": 2345.6,
        "category": "elderly_care",
        "note": "=老年助餐补贴",
        "at": f"{year}-03-01T16:30:00Z",  # 00:30 on 2 March in Shanghai
    }
    assert (await supervisor.post("/api/v1/funds/entries", json=spent)).status_code == 201
    client, csrf = await _console(api, "supervisor1", lang)
    try:
        page = await client.get("/console/funds")
        assert page.status_code == 200, page.text[:500]
        _assert_words(page.text, lang, "funds")
        local = "3月2日 00:30" if lang == "zh" else "2 Mar 00:30"
        assert local in page.text
        assert ("养老服务" if lang == "zh" else "Elderly care") in page.text
        assert "2,345.60" in page.text and 'id="spend"' in page.text
        assert 'id="budget"' not in page.text  # a community supervisor sets no budget of its own
        # The CSV: headers in the language, local times with their offset, words not codes.
        download = await client.get("/console/funds.csv", params={"org_unit": C01, "year": year})
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
        assert rows[0][0] == ("支出时间" if lang == "zh" else "Spent at")
        mine = next(r for r in rows if "老年助餐补贴" in r[4])
        assert mine[0] == f"{year}-03-02 00:30:00+08:00"
        assert mine[2] == ("养老服务" if lang == "zh" else "Elderly care")
        assert mine[3] == "2345.60" and mine[4] == "'=老年助餐补贴"
        # Spending through the form; too much is a page in the person's words.
        left = (await supervisor.get("/api/v1/funds", params={"org_unit": C01})).json()
        form = {"_csrf_token": csrf, "org_unit": C01, "category": "activities", "note": "活动"}
        done = await client.post("/console/funds/entries", data={**form, "amount_cny": "100"})
        assert done.status_code == 303
        over = await client.post(
            "/console/funds/entries",
            data={**form, "amount_cny": str(left["remaining_cny"])},
        )
        assert over.status_code == 409
        assert ("超出预算" if lang == "zh" else "Over budget") in over.text
        after = (await supervisor.get("/api/v1/funds", params={"org_unit": C01})).json()
        assert after["spent_cny"] == round(left["spent_cny"] + 100, 2)
        # Outside the area: a page, not a 500.
        elsewhere = await client.get("/console/funds", params={"org_unit": "D01-S02"})
        assert elsewhere.status_code == 404
        assert (await client.get("/console/funds", params={"year": "abc"})).status_code == 400
    finally:
        await client.aclose()


async def test_an_admin_sees_the_tree_and_sets_a_budget(api):
    client, csrf = await _console(api, "admin", "zh")
    try:
        page = await client.get("/console/funds")
        _assert_words(page.text, "zh", "funds D01")
        assert 'id="fund-children"' in page.text and "街道" in page.text
        year = fund_year(datetime.now(UTC))
        form = {"_csrf_token": csrf, "org_unit": C01, "year": str(year), "budget_cny": "120000"}
        assert (await client.post("/console/funds/budget", data=form)).status_code == 303
        community = await client.get("/console/funds", params={"org_unit": C01})
        assert "120,000.00" in community.text
    finally:
        await client.aclose()


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_register_pages(api, lang):
    client, csrf = await _console(api, "supervisor1", lang)
    try:
        register = await client.get("/console/organisations")
        assert register.status_code == 200
        _assert_words(register.text, lang, "organisations")
        first = re.search(r'href="(/console/organisations/[0-9a-f-]{36})"', register.text)[1]
        _assert_words((await client.get(first)).text, lang, "organisation")
        form = {
            "_csrf_token": csrf,
            "kind": "volunteer_team",
            "org_unit": C01,
            "name": "<script>alert(1)</script>助老志愿队",
            "contact_name": "刘芳",
            "members": "刘芳\n陈建华\n\n周敏",
        }
        added = await client.post("/console/organisations", data=form)
        assert added.status_code == 303
        detail = await client.get(added.headers["location"])
        assert "&lt;script&gt;" in detail.text and "<script>alert" not in detail.text
        assert "刘芳、陈建华、周敏" in detail.text
        activity = {
            "_csrf_token": csrf,
            "on_date": "2026-10-09",
            "title": "重阳节陪老人包饺子",
            "place": "社区活动室",
            "participants": "12",
            "hours": "24",
        }
        url = added.headers["location"] + "/activities"
        assert (await client.post(url, data=activity)).status_code == 303
        detail = await client.get(added.headers["location"])
        assert "重阳节陪老人包饺子" in detail.text
        bad = await client.post(url, data={**activity, "participants": "many"})
        assert bad.status_code == 400
        assert (await client.get("/console/organisations?kind=club")).status_code == 400
    finally:
        await client.aclose()


async def test_the_dashboard_shows_partners_and_money(api):
    admin = await api.login("admin")
    figures = (await admin.get("/api/v1/organisations/figures")).json()
    client, _ = await _console(api, "admin", "en")
    try:
        board = await client.get("/console/dashboard")
        assert board.status_code == 200
        shown = dict(re.findall(r'id="(fig-[a-z-]+)">([^<]+)<', board.text))
        assert shown["fig-organisations"] == str(figures["organisations"])
        assert shown["fig-teams"] == str(figures["volunteer_teams"])
        assert shown["fig-patrols"] == str(figures["patrol_teams"])
        assert shown["fig-members"] == str(figures["members"])
        assert "fig-funds-spent" in shown
        _assert_words(board.text, "en", "dashboard")
    finally:
        await client.aclose()
