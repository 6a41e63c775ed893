"""The console's forms fed bad values: each answers a 4xx page in the person's language (not
JSON, not a 500) and changes nothing."""

import re
import uuid

import httpx
import pytest

from tests.support.server import PASSWORD, database_state

CHINESE = re.compile(r"[\u4e00-\u9fff]")


async def _console(api, username: str, lang: str) -> tuple[httpx.AsyncClient, str]:
    """A browser signed in to the console, and its CSRF token."""
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://doorstep"
    )
    client.cookies.set("doorstep_lang", lang)
    login = await client.get("/console/login")
    csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', login.text)[1]
    signed_in = await client.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "_csrf_token": csrf},
    )
    assert signed_in.status_code == 303, signed_in.text
    queue = await client.get("/console/")
    return client, re.search(r'name="_csrf_token" value="([0-9a-f]+)"', queue.text)[1]


def assert_page(response, lang: str) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html"), response.text[:300]
    words = "操作未完成" if lang == "zh" else "Not done"
    assert words in response.text, response.text[:600]
    if lang == "en":
        # Words, not data: the menu, lists of requests, and what was typed (kept in a form
        # refused inside it) may well be Chinese.
        shown = re.sub(r"<header>.*?</header>|<table.*?</table>", "", response.text, flags=re.S)
        shown = re.sub(
            r'value="[^"]*"|<textarea[^>]*>[^<]*</textarea>|<option[^>]*>[^<]*</option>', "", shown
        )
        assert not CHINESE.search(shown), shown


REGISTER = {
    "channel": "phone",
    "caller_name": "张三",
    "caller_phone": "13800000000",
    "address": "幸福路 1 号",
    "category_code": "repair.water",
    "description": "水管漏水",
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    "change",
    [
        {"resident_id": "not-a-uuid"},
        {"resident_id": str(uuid.uuid4())},
        {"channel": "carrier-pigeon"},
        {"caller_name": "张" * 500},
        {"description": "漏" * 20_000},
        {"description": "水管\x00漏水"},
        {"category_code": "no.such"},
    ],
    ids=["bad-uuid", "no-such-resident", "channel", "long-name", "long-text", "nul", "category"],
)
async def test_registering_with_bad_values(api, lang, change):
    client, csrf = await _console(api, "dispatcher", lang)
    before = await database_state(api)
    response = await client.post(
        "/console/requests", data={**REGISTER, **change, "_csrf_token": csrf}
    )
    assert_page(response, lang)
    assert await database_state(api) == before


async def _request_in(api, status: str) -> dict:
    dispatcher = await api.login("dispatcher")
    found = (await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json()
    return next(r for r in found if r["status"] == status)


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"assignee_id": "not-a-uuid"},
        {"assignee_id": str(uuid.uuid4())},
    ],
    ids=["missing", "bad", "nobody"],
)
async def test_assigning_to_nobody_or_garbage(api, form):
    request = await _request_in(api, "dispatched")
    client, csrf = await _console(api, "supervisor1", "zh")
    before = await database_state(api)
    response = await client.post(
        f"/console/requests/{request['id']}/assign", data={**form, "_csrf_token": csrf}
    )
    assert_page(response, "zh")
    assert await database_state(api) == before


async def test_assigning_in_a_community_without_staff(api):
    """A request dispatched to a community nobody works in: no one there may be given it.
    (The demo staffs every community; here one community's accounts are disabled.)"""
    from sqlalchemy import update

    from server.auth.tables import User

    dispatcher = await api.login("dispatcher")
    units = (await dispatcher.get("/api/v1/org-units")).json()
    empty = next(u for u in units if u["code"] == "D01-S15-C06")
    async with api.runtime.sessions() as session:
        await session.execute(
            update(User).where(User.org_unit_id == uuid.UUID(empty["id"])).values(active=False)
        )
        await session.commit()
    created = await dispatcher.post("/api/v1/requests", json={**REGISTER, "channel": "phone"})
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    sent = await dispatcher.post(
        f"/api/v1/requests/{request_id}/dispatch", json={"community_code": empty["code"]}
    )
    assert sent.status_code == 200, sent.text
    worker = next(
        u for u in (await dispatcher.get("/api/v1/users")).json() if u["role"] == "worker"
    )
    client, csrf = await _console(api, "dispatcher", "en")
    page = await client.get(f"/console/requests/{request_id}")
    assert page.status_code == 200
    before = await database_state(api)
    response = await client.post(
        f"/console/requests/{request_id}/assign",
        data={"assignee_id": worker["id"], "_csrf_token": csrf},
    )
    assert_page(response, "en")
    assert await database_state(api) == before
    answer = await dispatcher.post(
        f"/api/v1/requests/{request_id}/assign", json={"assignee_id": worker["id"]}
    )
    assert answer.status_code == 409 and answer.json()["code"] == "no_assignee"
    assert await database_state(api) == before


@pytest.mark.parametrize("score", ["abc", "99", "0", ""])
async def test_rating_with_a_bad_score(api, score):
    request = await _request_in(api, "resolved")
    supervisor, dispatcher = await api.login("supervisor1"), await api.login("dispatcher")
    path = f"/api/v1/requests/{request['id']}"
    assert (await supervisor.post(f"{path}/verify", json={"decision": "approve"})).is_success
    assert (await dispatcher.post(f"{path}/feedback", json={"note": "已告知"})).is_success
    client, csrf = await _console(api, "dispatcher", "en")
    before = await database_state(api)
    response = await client.post(
        f"/console/requests/{request['id']}/rating",
        data={"score": score, "comment": "ok", "_csrf_token": csrf},
    )
    assert_page(response, "en")
    assert await database_state(api) == before


async def test_a_nul_in_a_query_or_an_unknown_step(api):
    client, csrf = await _console(api, "dispatcher", "zh")
    assert_page(await client.get("/console/", params={"status": "received\x00"}), "zh")
    request = await _request_in(api, "dispatched")
    response = await client.post(
        f"/console/requests/{request['id']}/explode", data={"_csrf_token": csrf}
    )
    assert_page(response, "zh")


async def test_signing_in_with_a_nul_or_without_the_form_token(api):
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://doorstep"
    )
    client.cookies.set("doorstep_lang", "en")
    login = await client.get("/console/login")
    csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', login.text)[1]
    before = await database_state(api)
    for form in (
        {"username": "admin\x00", "password": PASSWORD, "_csrf_token": csrf},
        {"username": "admin", "password": PASSWORD, "_csrf_token": "0" * 64},
    ):
        assert_page(await client.post("/console/login", data=form), "en")
    assert await database_state(api) == before
