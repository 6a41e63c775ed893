"""A subdistrict office's day in headless Chromium (Debian's), against the real server with
DOORSTEP_TIMEZONE set: every page in words (zh and en) with times in that zone; a call whose
address matches no community is asked about and dispatched from a form grouped by
subdistrict; the resident search; a bad form value answered by a page; mentoring pairing that
puts visits on the mentor's phone. Screenshots go to DOORSTEP_CONSOLE_SHOTS when set."""

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import httpx
import pytest

from server.clock import utcnow
from server.plans import service as plans
from shared.localtime import format_local
from tests.support.browser import chromium, chromium_or_skip, shot, sign_in
from tests.support.live import live_server
from tests.support.phones import make_phone
from tests.support.server import Api
from tests.test_console_words import _assert_words

ZONE = "Asia/Shanghai"


@pytest.fixture
def office_url(settings):
    chromium_or_skip(settings)
    with live_server(replace(settings, timezone=ZONE)) as url:
        # Missed visits, as the next background round would find them.
        asyncio.run(_raise_missed(replace(settings, timezone=ZONE)))
        yield url


async def _raise_missed(settings) -> None:
    async with Api.start(settings) as api:
        async with api.runtime.sessions() as session, session.begin():
            assert await plans.raise_missed(session, utcnow() + timedelta(minutes=5))


def _words(page, lang: str, where: str) -> None:
    _assert_words(page.content(), lang, where)


def test_an_office_day_in_the_browser(office_url, tmp_path):
    base = office_url
    with httpx.Client(base_url=base, timeout=30) as http:
        login = http.post(
            "/api/v1/auth/login",
            json={
                "username": "dispatcher",
                "password": "demo-pass-2026",
                "device_id": "0b6f3c2e-7d41-4b8e-9a51-2f0d7e6c1a11",
            },
        ).json()
        headers = {"authorization": f"Bearer {login['access_token']}"}
        known = http.get("/api/v1/requests", params={"limit": 1000}, headers=headers).json()[0]
    received = datetime.fromisoformat(known["received_at"])

    with chromium() as browser:
        dispatcher = sign_in(browser, base, "dispatcher")

        # Every page in words, times local (a known request's received time).
        dispatcher.goto(f"{base}/console/requests/{known['id']}")
        assert format_local(received, "zh", ZONE, year=True) in dispatcher.inner_text("#timeline")
        for path in ("/console/", "/console/supervise", "/console/dashboard"):
            dispatcher.goto(base + path)
            _words(dispatcher, "zh", path)

        # A call from an address that matches no community: asked, not guessed.
        dispatcher.goto(f"{base}/console/")
        dispatcher.fill("input[name=caller_name]", "测试来电人")
        dispatcher.fill("input[name=caller_phone]", "13900000002")
        dispatcher.fill("input[name=address]", "城外某某路1号")
        dispatcher.select_option("#resident-id", value="new")
        dispatcher.select_option("select[name=category_code]", value="repair.water")
        dispatcher.fill("textarea[name=description]", "楼道灯不亮")
        dispatcher.click("#register")
        dispatcher.wait_for_selector("#ask-unplaced")
        shot(dispatcher, "intake-unplaced")
        dispatcher.check("input[name=confirm_unplaced]")
        dispatcher.click("#register")
        dispatcher.wait_for_selector("#unplaced")
        # The dispatch form groups communities under subdistricts; none is chosen for it.
        groups = dispatcher.locator("#dispatch optgroup")
        assert groups.count() == 15
        assert dispatcher.eval_on_selector("#dispatch select", "s => s.value") == ""
        shot(dispatcher, "dispatch-unplaced")
        _words(dispatcher, "zh", "unplaced request")
        dispatcher.select_option("#dispatch select[name=community_code]", value="D01-S02-C01")
        dispatcher.click("#dispatch button")
        dispatcher.wait_for_selector("#assign")
        assert "已派单" in dispatcher.inner_text("#status")

        # The resident search finds residents beyond any first page.
        dispatcher.goto(f"{base}/console/")
        dispatcher.fill("#resident-search", "振兴")
        dispatcher.click("#resident-find button")
        dispatcher.wait_for_selector("#found-count")
        assert "振兴" in dispatcher.locator("#resident-id option").nth(2).inner_text()
        shot(dispatcher, "queue")

        # A bad form value: a page in words with the way back, not JSON, not a 500.
        dispatcher.goto(f"{base}/console/dashboard?from=2026-02-31")
        assert "日期格式不正确" in dispatcher.inner_text("#error")
        assert dispatcher.locator("#way-back a").count() == 2

        dispatcher.goto(f"{base}/console/dashboard")
        shot(dispatcher, "dashboard")
        dispatcher.goto(f"{base}/console/language?next=/console/dashboard")
        _words(dispatcher, "en", "dashboard")
        assert "Satisfaction rate" in dispatcher.content()
        shot(dispatcher, "dashboard-en")
        dispatcher.goto(f"{base}/console/requests/{known['id']}")
        assert format_local(received, "en", ZONE, year=True) in dispatcher.inner_text("#timeline")
        _words(dispatcher, "en", "request")

        # Mentoring: the supervisor pairs mentor1 with a family and sets the rhythm.
        supervisor = sign_in(browser, base, "supervisor1")
        supervisor.goto(f"{base}/console/supervise")
        _words(supervisor, "zh", "supervise")
        assert supervisor.locator("#alerts tr.overdue").count() >= 1
        assert "探访应于" in supervisor.inner_text("#alerts")
        shot(supervisor, "supervise")
        supervisor.click("header >> text=一帮一")
        supervisor.wait_for_selector("#pair")
        supervisor.fill("#resident-search", "和平春晖社区")
        supervisor.click("#resident-find button")
        supervisor.wait_for_selector("#found-count")
        family = supervisor.locator("#resident-id option").nth(1).inner_text().split(" · ")[0]
        supervisor.select_option("#pair select[name=mentor_id]", label="党员 赵志刚")
        supervisor.fill("#pair input[name=interval_days]", "7")
        supervisor.click("#pair-button")
        supervisor.wait_for_selector("#family-name")
        assert supervisor.inner_text("#family-name") == family
        assert supervisor.inner_text("#rhythm") == "每7天"
        _words(supervisor, "zh", "family")
        shot(supervisor, "family")
        supervisor.goto(f"{base}/console/mentoring")
        assert family in supervisor.inner_text("#families")
        shot(supervisor, "mentoring")

        # A mentor sees no link to the dashboard, and following one is a page in words.
        mentor = sign_in(browser, base, "mentor1")
        assert mentor.locator("header a[href='/console/dashboard']").count() == 0
        mentor.goto(f"{base}/console/dashboard")
        assert "您没有权限" in mentor.inner_text("#error")

    # The mentoring visit the pairing planned is on the mentor's phone.
    with httpx.Client(base_url=base, timeout=30) as http:
        phone = make_phone(tmp_path, http, "mentor1")
        phone.sync()
        names = {r["id"]: r["name"] for r in phone.store.all("resident")}
        planned = [
            v
            for v in phone.store.all("visit")
            if v["kind"] == "mentoring" and names.get(v["resident_id"]) == family
        ]
        assert len(planned) == 1 and planned[0]["status"] == "assigned"
