"""No console page, console CSV and residents' page shows, in one language, words of the other:
every text on the page (and every placeholder, title, alt) is held against the other language's
catalogue; the language switch names the other language on purpose."""

import csv
import io
import re

import httpx
import pytest

from server.console.exports import DASHBOARD_GROUPS
from shared import words
from shared.console_links import CONSOLE_LINKS
from shared.requests import Level
from tests.support.public import REPORT
from tests.support.server import PASSWORD
from tests.support.words import foreign
from tests.test_console_words import _Text

CSRF = re.compile(r'name="_csrf_token" value="([0-9a-f]+)"')
CODE = re.compile(r"[a-z]+\.[a-z_]+")  # a category code such as repair.heating


def _foreign_on(html: str, lang: str, namespace: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return foreign([part.strip() for part in parser.parts], lang, namespace)


async def _signed_in(api, username: str, lang: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://doorstep"
    )
    client.cookies.set("doorstep_lang", lang)
    login = await client.get("/console/login")
    assert not _foreign_on(login.text, lang, "console")
    signed_in = await client.post(
        "/console/login",
        data={
            "username": username,
            "password": PASSWORD,
            "_csrf_token": CSRF.search(login.text)[1],
        },
    )
    assert signed_in.status_code == 303
    return client


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_console_pages_speak_one_language(api, lang):
    dispatcher = await api.login("dispatcher")
    requests = (await dispatcher.get("/api/v1/requests", params={"limit": 20})).json()
    pages = [path for _, path, _ in CONSOLE_LINKS] + ["/console/nowhere"]
    pages += [f"/console/requests/{r['id']}" for r in requests[:3]]
    for username in ("dispatcher", "supervisor1", "admin"):
        client = await _signed_in(api, username, lang)
        try:
            for path in pages:
                page = await client.get(path)
                assert page.status_code < 500, path
                found = _foreign_on(page.text, lang, "console")
                assert not found, (username, path, lang, found)
        finally:
            await client.aclose()


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_residents_pages_speak_one_language(api, lang):
    token = (await api.client.post("/api/v1/public/requests", json=REPORT)).json()["tracking_token"]
    api.client.cookies.set("doorstep_lang", lang)
    for path in (
        "/public/",
        f"/public/track/{token}?new=1",
        "/public/catalogue?community=D01-S01-C01",
        "/public/track/nothing-here",
        "/public/lookup",
    ):
        page = await api.client.get(path)
        found = _foreign_on(page.text, lang, "public")
        assert not found, (path, lang, found)
    # The refused forms and a look-up's answer too.
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)[1]
    number = (await api.client.get(f"/api/v1/public/requests/{token}")).json()["number"]
    for path, form in (
        ("/public/requests", {**REPORT, "caller_phone": "13912345678，13812345678"}),
        ("/public/requests", {**REPORT, "address": "x"}),
        ("/public/lookup", {"number": number, "phone": "13812345678"}),
        ("/public/lookup", {"number": number, "phone": REPORT["caller_phone"]}),
    ):
        page = await api.client.post(path, data={**form, "_csrf_token": csrf})
        assert page.status_code in (200, 400, 404), (path, page.status_code)
        found = _foreign_on(page.text, lang, "public")
        assert not found, (path, form, lang, found)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_dashboard_csv_speaks_the_readers_language(api, lang):
    """Headers, groups, categories and levels in words of the reader's language, not codes."""
    client = await _signed_in(api, "dispatcher", lang)
    try:
        download = await client.get("/console/dashboard.csv")
    finally:
        await client.aclose()
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    tr = words.translator("console", lang)
    assert rows[0][:3] == [tr("dash_group"), tr("dash_name"), tr("total")]
    groups = {row[0] for row in rows[1:]}
    assert groups == {tr(w) for w in DASHBOARD_GROUPS.values()}, groups
    levels = {row[1] for row in rows[1:] if row[0] == tr("csv_level")}
    assert levels and levels <= {tr(f"l_{level}") for level in Level}, levels
    cells = [cell for row in rows for cell in row]
    assert not foreign(cells, lang, "console"), foreign(cells, lang, "console")
    assert not [c for c in cells if CODE.fullmatch(c)], "a category code in the CSV"
