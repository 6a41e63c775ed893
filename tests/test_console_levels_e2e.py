"""End to end in headless Chromium, against the real server over loopback: the district
sends a leaking pipe to a subdistrict office, which sends it on to a community and the water
department; the department accepts and resolves it (after a return without a reason is
refused with a page); an inspector's supervision note is answered by the community."""

from tests.support.browser import chromium, shot, sign_in
from tests.test_console_words import _assert_words


def _words(page, where: str) -> None:
    _assert_words(page.content(), "zh", where)


def test_a_request_through_the_office_the_department_and_an_inspector(live_url, settings):
    with chromium(settings) as browser:
        # The district registers the call and sends it to the subdistrict office.
        dispatcher = sign_in(browser, live_url, "dispatcher")
        dispatcher.select_option("select[name=category_code]", value="repair.water")
        dispatcher.fill("input[name=caller_name]", "周建国")
        dispatcher.fill("input[name=caller_phone]", "13812340000")
        dispatcher.fill("input[name=address]", "和平春晖社区幸福路8号3栋2单元501室")
        dispatcher.fill("textarea[name=description]", "楼道水管爆裂，水流不止")
        dispatcher.click("#register")
        dispatcher.wait_for_selector("#number")
        number = dispatcher.inner_text("#number")
        request_url = dispatcher.url
        dispatcher.select_option("#route select[name=org_unit_code]", value="D01-S01")
        dispatcher.fill("#route input[name=note]", "请街道尽快分派")
        dispatcher.click("#route button")
        dispatcher.wait_for_selector("text=派至和平街道")
        assert "和平街道" in dispatcher.inner_text("#held-by")
        _words(dispatcher, "request, sent to the subdistrict")

        # The subdistrict office sends it on to a community and the water department.
        office = sign_in(browser, live_url, "subdistrict1")
        office.goto(f"{live_url}/console/levels/")
        # The queue's row opens one form with the pickers (none on the rows themselves).
        assert office.locator("#held select").count() == 0
        office.locator(f"#held tr[data-number='{number}'] a.route").click()
        office.select_option("select[name=org_unit_code]", value="D01-S01-C01")
        office.select_option("select[name=department_code]", value="DEP01")
        shot(office, "levels-subdistrict-queue")
        _words(office, "the office's send-on form")
        office.click("#step-submit")
        office.wait_for_url(f"{live_url}/console/levels/")
        # The step says what it did, once.
        assert "已转派至和平春晖社区、" in office.inner_text("#done-flash")
        _words(office, "the office's queue")
        assert office.locator(f"#held tr[data-number='{number}']").count() == 0

        # The water department: a return asks for its reason, then accept, resolve.
        water = sign_in(browser, live_url, "dept_water")
        water.goto(f"{live_url}/console/levels/")
        row = water.locator(f"#held tr[data-number='{number}']")
        row.locator("button.accept").click()
        water.wait_for_url(f"{live_url}/console/levels/")
        row = water.locator(f"#held tr[data-number='{number}']")
        assert "办理中" in row.inner_text()
        shot(water, "levels-department-queue")
        _words(water, "the department's queue")
        row.locator("a.return").click()
        assert water.get_attribute("textarea[name=reason]", "required") is not None
        # With a reason, the return waits for the district's review (退单审核); the district
        # refuses it from its queue of decisions, and the department carries on.
        water.fill("textarea[name=reason]", "非供水管网问题")
        water.click("#step-submit")
        water.wait_for_load_state()
        water.goto(request_url)
        assert water.inner_text("#status") == "退单审核中"
        district = sign_in(browser, live_url, "dispatcher")
        district.goto(f"{live_url}/console/levels/")
        waiting = district.locator(f"#waiting tr[data-number='{number}']")
        _words(district, "the district's queue of decisions")
        waiting.locator("input[name=reason]").fill("属于供水，请继续办理")
        waiting.locator("form.return_decision button.refuse").click()
        district.wait_for_url(f"{live_url}/console/levels/")
        assert district.locator(f"#waiting tr[data-number='{number}']").count() == 0
        water.goto(f"{live_url}/console/levels/")
        row = water.locator(f"#held tr[data-number='{number}']")
        assert "办理中" in row.inner_text()
        row.locator("a.resolve").click()
        water.fill("textarea[name=note]", "更换爆裂管段，已恢复供水")
        water.click("#step-submit")
        water.wait_for_url(f"{live_url}/console/levels/")
        water.goto(request_url)
        assert water.inner_text("#status") == "已办结待核实"

        # An inspector sends a supervision note; the community answers it.
        inspector = sign_in(browser, live_url, "inspector1")
        inspector.goto(f"{live_url}/console/levels/inspection")
        assert inspector.locator("#watch tr.overdue").count() > 0
        shot(inspector, "levels-inspection")
        _words(inspector, "the inspectors' list")
        inspector.goto(request_url)
        inspector.fill("#supervise input[name=note]", "请说明核实进度")
        inspector.click("#supervise button")
        inspector.wait_for_selector("text=请说明核实进度")
        assert inspector.locator("#verify").count() == 0  # inspectors change no state
        supervisor = sign_in(browser, live_url, "supervisor1")
        supervisor.goto(request_url)
        shot(supervisor, "levels-request-note")
        supervisor.fill("form.answer input[name=note]", "已安排今日上门核实")
        supervisor.click("form.answer button")
        supervisor.wait_for_selector("text=已安排今日上门核实")
        timeline = supervisor.inner_text("#timeline")
        for words in ("派至和平街道", "交水务局办理", "部门签收", "督办", "督办回复"):
            assert words in timeline, words
        _words(supervisor, "the request with its note answered")
        supervisor.click("#verify button[value=approve]")
        supervisor.wait_for_selector("text=已核实")
        shot(supervisor, "levels-request-verified")
