"""Errors in the console are pages in the person's language with the way back: a stale tab's
409, a missing reason's 400, a role's 403 — never JSON, never a 500, nothing changed."""

import re
import uuid

import httpx

from server.auth.tables import Device
from tests.support.server import PASSWORD
from tests.test_console_words import _console


def _csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([0-9a-f]+)"', html)[1]


async def _resolved(api) -> str:
    dispatcher = await api.login("dispatcher")
    found = (await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json()
    return next(r["id"] for r in found if r["status"] == "resolved")


async def test_a_stale_tab_and_a_missing_reason_are_pages(api):
    request_id = await _resolved(api)
    for lang, stale_words, reason_words in (
        ("zh", "已处理完毕", "请填写原因"),
        ("en", "already dealt with", "Give a reason"),
    ):
        client = await _console(api, "supervisor1", lang)
        try:
            path = f"/console/requests/{request_id}"
            page = await client.get(path)
            csrf = _csrf(page.text)
            headers = {"referer": f"http://doorstep{path}"}
            if lang == "zh":
                # Sending back without a reason: 422 (a rule's), in words, the way back.
                refused = await client.post(
                    f"{path}/verify",
                    data={"_csrf_token": csrf, "decision": "reject"},
                    headers=headers,
                )
                assert refused.status_code == 422
                assert reason_words in refused.text and f'href="{path}"' in refused.text
                # Approving it in one tab, then again in a stale tab: 409 as a page.
                done = await client.post(
                    f"{path}/verify", data={"_csrf_token": csrf, "decision": "approve"}
                )
                assert done.status_code == 303
            stale = await client.post(
                f"{path}/verify", data={"_csrf_token": csrf, "decision": "approve"}, headers=headers
            )
            assert stale.status_code == 409
            assert "text/html" in stale.headers["content-type"]
            assert stale_words in stale.text and f'href="{path}"' in stale.text
        finally:
            await client.aclose()


async def test_a_role_following_a_link_it_may_not_use(api):
    request_id = await _resolved(api)
    client = await _console(api, "mentor1", "en")
    try:
        for path in ("/console/dashboard", "/console/supervise", "/console/mentoring"):
            page = await client.get(path)
            assert page.status_code == 403, path
            assert "You may not do this" in page.text and 'id="way-back"' in page.text
        csrf = _csrf((await client.get("/console/")).text)
        acted = await client.post(
            f"/console/requests/{request_id}/verify",
            data={"_csrf_token": csrf, "decision": "approve"},
        )
        assert acted.status_code in (403, 404) and "text/html" in acted.headers["content-type"]
    finally:
        await client.aclose()


async def test_a_shared_office_pc_signs_in_whoever_comes_next(api):
    """One browser is one device; when its session ended without a sign-out (expired, or the
    device revoked), the next person's sign-in simply starts a new device."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://doorstep"
    ) as browser:

        async def sign_in(username: str) -> httpx.Response:
            form = await browser.get("/console/login")
            return await browser.post(
                "/console/login",
                data={
                    "username": username,
                    "password": PASSWORD,
                    "_csrf_token": _csrf(form.text),
                },
            )

        assert (await sign_in("supervisor1")).status_code == 303
        first_device = browser.cookies.get("doorstep_device")
        browser.cookies.delete("doorstep_session")  # the session expired; nobody signed out
        # Another account on the same browser: a new device, not a 403.
        answer = await sign_in("dispatcher")
        assert answer.status_code == 303, answer.text
        second_device = browser.cookies.get("doorstep_device")
        assert second_device != first_device
        assert (await browser.get("/console/")).status_code == 200
        # Another account while that session is still alive (the last person walked away
        # signed in): the new password starts the new person's session on a new device.
        live_session = browser.cookies.get("doorstep_session")
        assert (await sign_in("supervisor1")).status_code == 303
        assert browser.cookies.get("doorstep_session") != live_session
        third_device = browser.cookies.get("doorstep_device")
        assert third_device not in (first_device, second_device)
        shown = (await (await api.login("supervisor1")).get("/api/v1/me")).json()
        me = await browser.get("/console/")
        assert me.status_code == 200 and shown["display_name"] in me.text
        browser.cookies.delete("doorstep_session")
        assert (await sign_in("dispatcher")).status_code == 303
        second_device = browser.cookies.get("doorstep_device")
        # That device revoked by an admin: the next sign-in starts another one.
        async with api.runtime.sessions() as session, session.begin():
            row = await session.get(Device, uuid.UUID(second_device))
            row.revoked_at = row.last_seen_at
        browser.cookies.delete("doorstep_session")
        assert (await sign_in("dispatcher")).status_code == 303
        assert browser.cookies.get("doorstep_device") not in (first_device, second_device)
        # A wrong password is still refused, whatever the device.
        form = await browser.get("/console/login")
        failed = await browser.post(
            "/console/login",
            data={"username": "dispatcher", "password": "x" * 12, "_csrf_token": _csrf(form.text)},
        )
        assert failed.status_code == 401
