"""No console page and no residents' page shows, in one language, words of the other: every
text on the page (and every placeholder, title, alt) is held against the other language's
catalogue; the language switch names the other language on purpose."""

import re

import httpx
import pytest

from shared.console_links import CONSOLE_LINKS
from tests.support.public import REPORT
from tests.support.server import PASSWORD
from tests.support.words import foreign
from tests.test_console_words import _Text

CSRF = re.compile(r'name="_csrf_token" value="([0-9a-f]+)"')


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
    ):
        page = await api.client.get(path)
        found = _foreign_on(page.text, lang, "public")
        assert not found, (path, lang, found)
