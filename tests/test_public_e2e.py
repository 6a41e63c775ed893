"""The residents' pages in headless Chromium on a phone-sized screen, against the real server
over loopback: a resident reports a leak with hostile text in every field, keeps the private
link, follows the request, and rates it (a poor rating reopens it); what they typed shows as
text on their page and in the console; forms without the CSRF token, guessed links and a
client that reports too often get pages in Chinese, never a 500 or JSON."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support.browser import chromium, shot
from tests.support.browser import sign_in as console_sign_in
from tests.support.public import bring_to_feedback, request_id, sign_in

SCRIPT = "<script>document.title='pwned'</script>"
IMG = "<img src=x onerror=\"document.title='pwned'\">"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}


def _staff(live_url: str, work):
    """Run staff's async API steps from the browser's (sync) test, in a thread of its own."""

    async def run():
        async with httpx.AsyncClient(base_url=live_url, timeout=30) as client:
            return await work(client)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def _report(page, address: str, description: str, name: str = "王秀兰", shoot: bool = True):
    """Fill and send the form; returns the number and the private link from the result page."""
    page.goto(page.url.split("/public/")[0] + "/public/")
    page.select_option("#category_code", value="repair.water")
    page.fill("#address", address)
    page.fill("#description", description)
    page.fill("#caller_name", name)
    page.fill("#caller_phone", "13912345678")
    if shoot:
        shot(page, "public-report")
    page.click("#submit")
    page.wait_for_selector("#receipt")
    return page.inner_text("#number"), page.inner_text("#link")


def test_a_resident_reports_follows_and_rates(live_url, settings):
    with chromium(settings) as browser:
        resident = browser.new_context(**PHONE).new_page()
        dialogs: list[str] = []
        resident.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

        resident.goto(f"{live_url}/public/")
        assert "反映问题" in resident.inner_text("h1")
        # Big enough to tap.
        assert resident.locator("#submit").bounding_box()["height"] >= 44
        number, link = _report(
            resident, "和平春晖社区6号楼3单元201", "卫生间水管漏水，楼下已经渗水"
        )
        assert "/public/track/" in link and len(link.rsplit("/", 1)[1]) >= 43
        assert resident.inner_text("#status") == "已受理"
        shot(resident, "public-received")

        # Staff take it to "the resident was told"; the worker's name and number stay inside.
        _staff(live_url, lambda client: bring_to_feedback(client, number))
        resident.goto(link)
        assert resident.inner_text("#status") == "已回访，待您评价"
        timeline = resident.inner_text("#timeline")
        assert "张伟" not in timeline and "13800138000" not in timeline
        assert "社区网格员" in timeline and "已电话告知" in timeline
        shot(resident, "public-track")
        resident.check("#score input[value='1']")
        resident.fill("#comment", "还是漏水")
        resident.click("#rate")
        resident.wait_for_url(link)
        assert resident.inner_text("#status") == "已派单"  # a poor rating reopens
        steps = resident.locator("#timeline li[data-action]")
        actions = [steps.nth(i).get_attribute("data-action") for i in range(steps.count())]
        assert actions[-2:] == ["rated", "reopened"]
        assert resident.locator("#rating").count() == 0
        shot(resident, "public-rated")

        # Hostile text in every field the form has: shown as text, never run.
        hostile, _ = _report(
            resident,
            f"和平春晖社区6号楼{IMG}",
            f"卫生间漏水{SCRIPT}",
            name=f"王秀兰{SCRIPT}",
            shoot=False,
        )
        assert SCRIPT in resident.inner_text("#timeline")
        assert resident.locator("img").count() == 0
        assert resident.title() != "pwned" and not dialogs
        number = hostile  # the console page below shows what the resident typed
        rid = _staff(
            live_url,
            lambda client: _id_for(client, number),
        )
        dispatcher = console_sign_in(browser, live_url, "dispatcher")
        dispatcher.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        dispatcher.goto(f"{live_url}/console/requests/{rid}")
        card = dispatcher.inner_text("main")
        assert SCRIPT in card and IMG in card
        assert dispatcher.locator("img").count() == 0
        assert dispatcher.title() != "pwned" and not dialogs

        # The catalogue and a community's workstation; then English.
        resident.goto(f"{live_url}/public/catalogue?community=D01-S01-C01")
        assert "和平春晖社区工作站" in resident.inner_text("#workstation")
        assert "小时" in resident.inner_text("#catalogue")
        shot(resident, "public-catalogue")
        resident.click("#language")
        assert "Services and their time limits" in resident.inner_text("main")
        resident.click("#language")

        # Abuse: a form without its token, a guessed link, reporting too often.
        forged = resident.request.post(
            f"{live_url}/public/requests",
            form={"caller_name": "x", "caller_phone": "13900000000", "address": "和平春晖社区"},
        )
        assert forged.status == 403 and "页面已过期" in forged.text()
        assert forged.headers["content-type"].startswith("text/html")
        resident.goto(f"{live_url}/public/track/{'A' * 43}")
        assert "没有找到" in resident.inner_text("#error")
        resident.goto(f"{live_url}/public/")
        csrf = resident.get_attribute("input[name=_csrf_token]", "value")
        bad = resident.request.post(
            f"{live_url}/public/requests",
            form={"_csrf_token": csrf, "caller_name": "x", "caller_phone": "<b>", "address": "y"},
        )
        # The form again, naming the field and why (tests/test_public_lookup.py has the rest).
        assert bad.status == 400 and "联系电话" in bad.text() and "没有看到电话号码" in bad.text()
        assert 'value="&lt;b&gt;"' in bad.text()
        report = {
            "_csrf_token": csrf,
            "caller_name": "李",
            "caller_phone": "13900000000",
            "address": "和平春晖社区",
            "category_code": "repair.water",
            "description": "又漏了",
        }
        answers = [
            resident.request.post(f"{live_url}/public/requests", form=report, max_redirects=0)
            for _ in range(5)
        ]
        # Five attempts in ten minutes: the two reports and the bad one count too.
        assert [a.status for a in answers] == [303, 303, 429, 429, 429]
        assert "提交太频繁" in answers[4].text()
        assert int(answers[4].headers["retry-after"]) > 0


async def _id_for(client: httpx.AsyncClient, number: str) -> str:
    headers, _ = await sign_in(client, "dispatcher")
    return await request_id(client, headers, number)
