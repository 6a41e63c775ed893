"""The admin pages over the console's forms (in-process): accounts, the scope preview before a
reassignment, devices, the org tree and the catalogue; every page in both languages without raw
keys; bad values answer a page in the person's language and change nothing."""

import re

import httpx
import pytest

from server.sync.service import TABLES
from shared.enums import Role
from shared.words import pairs
from tests.support.server import PASSWORD, database_state
from tests.test_console_words import _assert_words

STRINGS = pairs("console")  # key → (zh, en)
CSRF = re.compile(r'name="_csrf_token" value="([0-9a-f]+)"')


async def _console(api, username: str, lang: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://doorstep"
    )
    client.cookies.set("doorstep_lang", lang)
    login = await client.get("/console/login")
    signed_in = await client.post(
        "/console/login",
        data={
            "username": username,
            "password": PASSWORD,
            "_csrf_token": CSRF.search(login.text)[1],
        },
    )
    assert signed_in.status_code == 303, signed_in.text
    queue = await client.get("/console/")
    return client, CSRF.search(queue.text)[1]


def _readable(html: str) -> str:
    """The page without what is data, not words: usernames, device names, English names."""
    html = re.sub(r'<(td|span) class="[^"]*login[^"]*">.*?</\1>', "", html, flags=re.S)
    return re.sub(r'<td lang="en">.*?</td>', "", html, flags=re.S)


def test_every_role_and_record_kind_has_words():
    for key in [f"role_{r}" for r in Role] + [f"ent_{e}" for e in TABLES]:
        zh, en = STRINGS[key]
        assert zh.strip() and en.strip(), key
    for key in ["scope_now", "scope_after", "arriving", "leaving"]:  # the preview's headings
        assert key in STRINGS


async def _user_id(api, username: str) -> str:
    admin = await api.login("admin")
    users = (await admin.get("/api/v1/users")).json()
    return next(u["id"] for u in users if u["username"] == username)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_admin_pages_read_in_both_languages(api, lang):
    worker = await _user_id(api, "worker1")
    client, _ = await _console(api, "admin", lang)
    try:
        for path in [
            "/console/admin/accounts",
            "/console/admin/accounts?q=worker",
            f"/console/admin/accounts/{worker}",
            f"/console/admin/accounts/{worker}/preview?role=worker&org_unit_code=D01-S01-C02",
            "/console/admin/devices",
            "/console/admin/org",
            "/console/admin/catalogue",
        ]:
            response = await client.get(path)
            assert response.status_code == 200, (path, response.text[:400])
            _assert_words(_readable(response.text), lang, path)
    finally:
        await client.aclose()


async def test_create_reset_and_reassign_through_the_forms(api):
    client, csrf = await _console(api, "supervisor1", "zh")
    try:
        created = await client.post(
            "/console/admin/accounts",
            data={
                "_csrf_token": csrf,
                "username": "c01.new",
                "display_name": "新网格员",
                "password": "field-pass-2026",
                "role": "worker",
                "org_unit_code": "D01-S01-C01",
            },
        )
        assert created.status_code == 303, created.text
        account = created.headers["location"].split("?")[0]
        await api.login("c01.new", "field-pass-2026")
        page = await client.get(account)
        assert "新网格员" in page.text and 'id="reassign"' in page.text
        reset = await client.post(
            f"{account}/password", data={"_csrf_token": csrf, "password": "another-pass-2026"}
        )
        assert reset.status_code == 303 and reset.headers["location"].endswith("?done=password")
        await api.login("c01.new", "another-pass-2026")
        preview = await client.get(
            f"{account}/preview", params={"role": "mentor", "org_unit_code": "D01-S01-C01"}
        )
        assert preview.status_code == 200 and 'id="confirm-change"' in preview.text
        confirmed = await client.post(
            f"{account}/update",
            data={"_csrf_token": csrf, "role": "mentor", "org_unit_code": "D01-S01-C01"},
        )
        assert confirmed.status_code == 303, confirmed.text
        me = await (await api.login("c01.new", "another-pass-2026")).get("/api/v1/me")
        assert me.json()["role"] == "mentor"
        disabled = await client.post(
            f"{account}/update", data={"_csrf_token": csrf, "active": "false"}
        )
        assert disabled.status_code == 303
        refused = await api.client.post(
            "/api/v1/auth/login",
            json={
                "username": "c01.new",
                "password": "another-pass-2026",
                "device_id": "8e0c3f6e-4a53-4b5e-9a58-1f2b3c4d5e6f",
            },
        )
        assert refused.status_code == 401
    finally:
        await client.aclose()


BAD = [
    ("/console/admin/accounts", {"username": "x y", "password": "field-pass-2026"}),
    ("/console/admin/accounts", {"username": "ok.name", "password": "short"}),
    ("/console/admin/accounts", {"username": "ok.name", "role": "admin"}),
    ("/console/admin/accounts", {"username": "ok.name", "role": "emperor"}),
    ("/console/admin/accounts", {"username": "ok.name", "org_unit_code": "D01-S02-C01"}),
    ("/console/admin/accounts", {"username": "ok.name", "org_unit_code": "NOPE"}),
    ("/console/admin/accounts", {"username": "worker2"}),
    ("/console/admin/accounts", {"username": "ok.name", "display_name": "a\x00b"}),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path, change", BAD)
async def test_bad_form_values_give_a_page_and_change_nothing(api, lang, path, change):
    client, csrf = await _console(api, "supervisor1", lang)
    good = {
        "username": "ok.name",
        "display_name": "某人",
        "password": "field-pass-2026",
        "role": "worker",
        "org_unit_code": "D01-S01-C01",
    }
    try:
        before = await database_state(api)
        response = await client.post(path, data={"_csrf_token": csrf, **good, **change})
        assert 400 <= response.status_code < 500, response.text[:300]
        assert response.headers["content-type"].startswith("text/html")
        assert ("操作未完成" if lang == "zh" else "Not done") in response.text
        assert await database_state(api) == before
    finally:
        await client.aclose()


async def test_bad_addresses_and_forms_without_csrf(api):
    worker3 = await _user_id(api, "worker3")
    admin = await _user_id(api, "admin")
    client, csrf = await _console(api, "supervisor1", "en")
    try:
        for path in [
            f"/console/admin/accounts/{worker3}",  # outside its subtree
            f"/console/admin/accounts/{admin}/preview",
            f"/console/admin/accounts/{await _user_id(api, 'worker1')}/preview?role=emperor",
            f"/console/admin/accounts/{await _user_id(api, 'worker1')}/preview?org_unit_code=NOPE",
            "/console/admin/accounts?q=" + "x" * 100,
        ]:
            response = await client.get(path)
            assert 400 <= response.status_code < 500, (path, response.status_code)
            assert "Not done" in response.text, path
        worker1 = await _user_id(api, "worker1")
        before = await database_state(api)
        for path, data in [
            (f"/console/admin/accounts/{worker1}/update", {"active": "false"}),
            (f"/console/admin/accounts/{worker1}/password", {"password": "a-good-pass-2026"}),
        ]:
            forged = await client.post(path, data=data)  # no CSRF token
            assert forged.status_code == 403, forged.text[:200]
            forged = await client.post(path, data={**data, "_csrf_token": "0" * 64})
            assert forged.status_code == 403
        assert await database_state(api) == before
    finally:
        await client.aclose()
    worker, _ = await _console(api, "worker1", "zh")
    try:
        for path in ["/console/admin/accounts", "/console/admin/devices", "/console/admin/org"]:
            assert (await worker.get(path)).status_code == 403, path
    finally:
        await worker.aclose()


async def test_the_forms_offer_only_what_the_person_may_give(api):
    client, _ = await _console(api, "supervisor1", "en")
    try:
        page = (await client.get("/console/admin/accounts")).text
        start = page.index('id="new-account"')
        form = page[start : page.index("</form>", start)]
        assert set(re.findall(r'<option value="([a-z]+)"', form)) == {"worker", "mentor"}
        assert re.findall(r'<option value="(D01[^"]*)"', form) == ["D01-S01-C01"]
        for text in ["%", "_", "\\", "'; drop table app_user; --", "<b>王</b>"]:
            found = await client.get("/console/admin/accounts", params={"q": text})
            assert found.status_code == 200, text
            assert "<b>王</b>" not in found.text
        assert "worker1" not in (await client.get("/console/admin/accounts?q=%25")).text
    finally:
        await client.aclose()


async def test_an_admin_gives_a_department_account_its_department(api):
    client, csrf = await _console(api, "admin", "zh")
    try:
        page = await client.get("/console/admin/accounts")
        assert 'name="department_code"' in page.text and "水务局" in page.text
        form = {
            "_csrf_token": csrf,
            "username": "heat.wang",
            "display_name": "热力专员",
            "password": "field-pass-2026",
            "role": "department",
            "org_unit_code": "D01",
        }
        missing = await client.post("/console/admin/accounts", data=form)
        assert missing.status_code == 422 and "text/html" in missing.headers["content-type"]
        created = await client.post(
            "/console/admin/accounts", data={**form, "department_code": "DEP02"}
        )
        assert created.status_code == 303, created.text
        await api.login("heat.wang", "field-pass-2026")
    finally:
        await client.aclose()
    supervisor, _ = await _console(api, "supervisor1", "zh")
    try:  # a supervisor gives no department accounts, so is offered no department list
        page = await supervisor.get("/console/admin/accounts")
        assert 'name="department_code"' not in page.text
    finally:
        await supervisor.aclose()


async def test_an_account_becomes_a_department_account_only_with_its_department(api):
    client, csrf = await _console(api, "admin", "zh")
    try:
        account = f"/console/admin/accounts/{await _user_id(api, 'worker_s03c04')}"
        page = await client.get(account)
        assert 'form class="inline" method="get"' in page.text
        assert 'name="department_code"' in page.text  # the reassign form offers departments
        change = {"role": "department", "org_unit_code": "D01"}
        without = await client.post(f"{account}/update", data={"_csrf_token": csrf, **change})
        assert without.status_code == 422 and "text/html" in without.headers["content-type"]
        preview = await client.get(
            f"{account}/preview", params={**change, "department_code": "DEP03"}
        )
        assert preview.status_code == 200
        assert 'name="department_code" value="DEP03"' in preview.text  # carried to the confirm
        confirmed = await client.post(
            f"{account}/update", data={"_csrf_token": csrf, **change, "department_code": "DEP03"}
        )
        assert confirmed.status_code == 303, confirmed.text
    finally:
        await client.aclose()
    staff = await api.login("worker_s03c04")
    me = (await staff.get("/api/v1/me")).json()
    assert me["role"] == "department"
    user = (await (await api.login("admin")).get(f"/api/v1/users/{me['id']}")).json()
    assert user["department_id"]
