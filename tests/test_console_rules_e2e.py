"""The hotline's rules (issue 22) in headless Chromium, against the real server over loopback,
each checked by what the person sees after acting: the water department asks for more time
and the district approves it (the due time moves); the department returns a request and the
district's 审核 approves it from the request's page; a 回访 not reaching the caller, then one
where the caller is not satisfied, which opens 复核 with the community; a repeat call flagged
at intake and merged as a 副单, counted as a 催办 on its main request."""

import re
import uuid

import httpx

from tests.support.browser import chromium, shot, sign_in
from tests.test_console_words import _assert_words


def _register(page, base: str, phone: str, address: str, description: str) -> str:
    """The dispatcher registers a call about a water pipe; answers its number."""
    page.goto(f"{base}/console/")
    page.select_option("select[name=category_code]", value="repair.water")
    page.fill("input[name=caller_name]", "郑淑珍")
    page.fill("input[name=caller_phone]", phone)
    page.fill("input[name=address]", address)
    page.fill("textarea[name=description]", description)
    page.click("#register")
    page.wait_for_selector("#number")
    return page.inner_text("#number")


def _to_water(page) -> None:
    """The district sends the request on its page to a community and the water department."""
    page.select_option("#route select[name=org_unit_code]", value="D01-S01-C01")
    page.select_option("#route select[name=department_code]", value="DEP01")
    page.click("#route button")
    page.wait_for_selector("text=交水务局办理")


def _due(page) -> str:
    """The due time the levels' card shows (办结时限 …), without the pace words after it."""
    return re.search(r"办结时限 ([^·]+)", page.inner_text("#levels p"))[1].strip()


def _steps(page) -> list[str]:
    rows = page.locator("#timeline tr[data-action]")
    return [rows.nth(i).get_attribute("data-action") for i in range(rows.count())]


def _words(page, where: str) -> None:
    _assert_words(page.content(), "zh", where)


def test_an_extension_asked_by_the_department_and_approved_by_the_district(live_url, settings):
    with chromium(settings) as browser:
        dispatcher = sign_in(browser, live_url, "dispatcher")
        number = _register(
            dispatcher,
            live_url,
            "13812347001",
            "和平春晖社区幸福路10号",
            "小区供水管老化，多处渗漏",
        )
        request_url = dispatcher.url
        _to_water(dispatcher)

        water = sign_in(browser, live_url, "dept_water")
        water.goto(request_url)
        water.click("#accept button")
        water.wait_for_selector("#extension")
        due_before = _due(water)
        water.fill("#extension input[name=days]", "2")
        water.fill("#extension input[name=reason]", "需协调停水时间，更换整段管道")
        water.click("#extension button")
        water.wait_for_selector("#extensions tr.extension-pending")
        # What the department sees: its ask waiting, no second ask, the due time unchanged.
        assert "待审批" in water.inner_text("#extensions tr.extension-pending")
        assert water.locator("#extension").count() == 0
        assert _due(water) == due_before
        _words(water, "the request with its extension waiting")

        # The district finds it in its queue of decisions and approves it there.
        dispatcher.goto(f"{live_url}/console/levels/")
        row = dispatcher.locator(f"#waiting tr[data-number='{number}']")
        assert "申请延期 2 个工作日" in row.inner_text()
        shot(dispatcher, "levels-waiting-extension")
        row.locator("input[name=reason]").fill("同意延期")
        row.locator("form.extension_decision button.approve").click()
        dispatcher.wait_for_url(f"{live_url}/console/levels/")
        assert dispatcher.locator(f"#waiting tr[data-number='{number}']").count() == 0

        # The department sees it approved, a later due time, and the step on the timeline.
        water.goto(request_url)
        approved = water.inner_text("#extensions tr.extension-approved")
        assert "已批准" in approved and "同意延期" in approved
        assert _due(water) != due_before
        assert _steps(water)[-2:] == ["extension_asked", "extension_approved"]
        assert "延期 2 个工作日" in water.inner_text("#timeline")
        assert water.locator("#extension").count() == 1  # it may ask again
        _words(water, "the request with its extension approved")
        shot(water, "levels-extension-approved")


def test_a_return_waits_for_the_districts_review_and_is_approved(live_url, settings):
    with chromium(settings) as browser:
        dispatcher = sign_in(browser, live_url, "dispatcher")
        number = _register(
            dispatcher, live_url, "13812347002", "和平春晖社区幸福路12号", "楼下管道井有异味"
        )
        request_url = dispatcher.url
        _to_water(dispatcher)

        water = sign_in(browser, live_url, "dept_water")
        water.goto(f"{live_url}/console/levels/")
        water.locator(f"#held tr[data-number='{number}'] a.return").click()
        water.fill("textarea[name=reason]", "系燃气管道，不属供水")
        water.click("#step-submit")
        water.wait_for_load_state()
        water.goto(request_url)
        # The department sees its return waiting; it is still in its queue meanwhile.
        assert water.inner_text("#status") == "退单审核中"
        assert "部门申请退单" in water.inner_text("#timeline")
        assert water.locator("#return").count() == 0

        # The district's 审核, from the request's page: approved, with a reason.
        dispatcher.goto(request_url)
        assert dispatcher.inner_text("#status") == "退单审核中"
        shot(dispatcher, "levels-return-review")
        dispatcher.fill("#return_decision input[name=reason]", "同意退回，转燃气公司")
        dispatcher.click("#return_decision button.approve")
        dispatcher.wait_for_selector("text=退单审核通过")
        # What the district sees: back with the district to send on, no department.
        assert dispatcher.inner_text("#status") == "已派单"
        assert dispatcher.locator("#return_decision").count() == 0
        assert dispatcher.locator("#routed-department").count() == 0
        assert dispatcher.locator("#route").count() == 1
        assert _steps(dispatcher)[-2:] == ["returned", "return_approved"]
        _words(dispatcher, "the request after its return was approved")

        water.goto(f"{live_url}/console/levels/")
        assert water.locator(f"#held tr[data-number='{number}']").count() == 0


def _a_closed_demo_request(base: str) -> tuple[str, str]:
    """A demo request the dispatcher closed after the caller rated it: (id, number)."""
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post(
            "/api/v1/auth/login",
            json={
                "username": "dispatcher",
                "password": "demo-pass-2026",
                "device_id": str(uuid.uuid4()),
            },
        ).json()["access_token"]
        listed = http.get(
            "/api/v1/requests",
            params={"status": "closed"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
    closed = [r for r in listed if r["merged_into"] is None and r["rating"]]
    return closed[0]["id"], closed[0]["number"]


def test_a_callback_not_reached_then_unsatisfied_opens_review(live_url, settings):
    rid, number = _a_closed_demo_request(live_url)
    with chromium(settings) as browser:
        dispatcher = sign_in(browser, live_url, "dispatcher")
        dispatcher.goto(f"{live_url}/console/requests/{rid}")
        assert dispatcher.inner_text("#status") == "已关闭"

        # Nobody answers the text message: recorded, nothing decided.
        dispatcher.select_option("#callback select[name=method]", value="sms")
        dispatcher.select_option("#callback select[name=reached]", value="false")
        dispatcher.fill("#callback input[name=note]", "短信未回复")
        dispatcher.click("#callback button")
        dispatcher.wait_for_selector("text=短信未回复")
        assert dispatcher.inner_text("#status") == "已关闭"
        last = dispatcher.locator("#timeline tr[data-action='callback']").last.inner_text()
        assert "短信回访" in last and "未联系上" in last

        # The call reaches the caller, who says it is not solved and not satisfied: 复核.
        dispatcher.select_option("#callback select[name=method]", value="phone")
        dispatcher.select_option("#callback select[name=reached]", value="true")
        dispatcher.select_option("#callback select[name=resolved]", value="false")
        dispatcher.select_option("#callback select[name=satisfied]", value="false")
        dispatcher.fill("#callback input[name=note]", "水管仍在滴水")
        dispatcher.click("#callback button")
        dispatcher.wait_for_selector("text=水管仍在滴水")
        last = dispatcher.locator("#timeline tr[data-action='callback']").last.inner_text()
        for words in ("电话回访", "已联系上", "未解决", "不满意"):
            assert words in last, (words, last)
        assert dispatcher.inner_text("#status") == "已派单"
        assert "回访不满意，转复核" in dispatcher.inner_text("#timeline tr[data-action='reopened']")
        assert dispatcher.locator("#callback").count() == 0  # no 回访 while it is worked again
        assert _steps(dispatcher)[-2:] == ["callback", "reopened"]
        _words(dispatcher, "the request in 复核")
        shot(dispatcher, "request-callback-review")

        # The community that closed it has it back in its queue, to assign again.
        supervisor = sign_in(browser, live_url, "supervisor1")
        supervisor.goto(f"{live_url}/console/")
        assert supervisor.locator(f"text={number}").count() >= 1
        supervisor.goto(f"{live_url}/console/requests/{rid}")
        assert supervisor.locator("#assign").count() == 1


def test_a_repeat_is_flagged_at_intake_and_merged_as_a_second_ticket(live_url, settings):
    with chromium(settings) as browser:
        dispatcher = sign_in(browser, live_url, "dispatcher")
        address = "和平春晖社区幸福路16号2单元"
        first = _register(dispatcher, live_url, "13812347003", address, "卫生间水管漏水")
        first_url = dispatcher.url
        assert dispatcher.locator("#repeat").count() == 0

        # The same caller about the same thing, the next call: flagged, the earlier one named.
        second = _register(dispatcher, live_url, "13812347003", address, "还在漏水，催一下")
        repeat = dispatcher.inner_text("#repeat")
        assert "重复来电" in repeat and first in repeat and "已受理" in repeat
        assert dispatcher.locator("#merge select[name=into] option").all_inner_texts() == [first]
        shot(dispatcher, "request-repeat")
        dispatcher.click("#merge button")
        dispatcher.wait_for_selector("#merged")

        # The repeat: closed, merged into the main request (a link to it), nothing to do.
        assert dispatcher.inner_text("#number") == second
        assert dispatcher.inner_text("#status") == "已关闭"
        assert first in dispatcher.inner_text("#merged")
        assert dispatcher.locator("#merge, #dispatch, #callback").count() == 0
        assert _steps(dispatcher)[-1] == "merged"
        _words(dispatcher, "the merged repeat")

        # The main request counts one 催办 and says which repeat it came from.
        dispatcher.click("#merged a")
        dispatcher.wait_for_url(first_url)
        assert "催办 1 次" in dispatcher.inner_text("#urges")
        assert f"副单 {second} 并入，第 1 次催办" in dispatcher.inner_text("#timeline")
        assert dispatcher.inner_text("#status") == "已受理"
        _words(dispatcher, "the main request with its urge")
        shot(dispatcher, "request-urged")
