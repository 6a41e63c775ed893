"""End to end in headless Chromium (Debian's), against the real server over loopback:
a dispatcher registers a leaking water pipe at an elderly resident's home and dispatches it;
the worker's phone core syncs it, starts and resolves it; the supervisor verifies it in the
console; the resident's rating closes it; the dashboard counts it."""

import httpx

from tests.support.browser import chromium, shot, sign_in
from tests.support.phones import make_phone


def test_a_leaking_pipe_from_call_to_rating(live_url, tmp_path, settings):
    with chromium(settings) as browser:
        dispatcher = sign_in(browser, live_url, "dispatcher")
        dispatcher.goto(f"{live_url}/console/dashboard")
        total_before = int(dispatcher.inner_text("#kpi-total"))
        dispatcher.goto(f"{live_url}/console/")
        shot(dispatcher, "queue")

        # Intake: the caller is an elderly resident living alone.
        # The resident picker searches every resident (a small endpoint behind the box).
        dispatcher.fill("#resident-search", "和平春晖社区")
        dispatcher.click("#resident-find button")
        dispatcher.wait_for_selector("#found-count")
        resident_label = dispatcher.locator("#resident-id option").nth(2).inner_text()
        dispatcher.select_option("#resident-id", label=resident_label)
        dispatcher.select_option("select[name=category_code]", value="repair.water")
        dispatcher.fill("input[name=caller_name]", resident_label.split(" · ")[0])
        dispatcher.fill("input[name=caller_phone]", "13812345678")
        dispatcher.fill("input[name=address]", resident_label.split(" · ")[2])
        dispatcher.fill("textarea[name=description]", "厨房水管漏水，地面已经积水，老人独居")
        dispatcher.click("#register")
        dispatcher.wait_for_selector("#number")
        number = dispatcher.inner_text("#number")
        request_url = dispatcher.url
        assert dispatcher.inner_text("#status") == "已受理"
        dispatcher.click("#dispatch button")
        dispatcher.wait_for_selector("#assign")
        dispatcher.select_option("#assign select[name=assignee_id]", label="网格员 张伟")
        dispatcher.click("#assign button")
        dispatcher.wait_for_selector("text=已分派")
        shot(dispatcher, "request")

        # The worker's phone core: sync, start, resolve.
        with httpx.Client(base_url=live_url, timeout=30) as http:
            phone = make_phone(tmp_path, http, "worker1")
            phone.sync()
            request = next(r for r in phone.store.all("request") if r["number"] == number)
            visit_id = request["visit_id"]
            phone.store.record("visit.start", {"visit_id": visit_id, "at": "2026-11-28T09:00:00Z"})
            phone.store.record(
                "visit.complete",
                {
                    "visit_id": visit_id,
                    "at": "2026-11-28T09:40:00Z",
                    "summary": "更换水管接头，已不再漏水",
                },
            )
            assert phone.sync().rejected == []

        # The supervisor verifies it in the console.
        supervisor = sign_in(browser, live_url, "supervisor1")
        supervisor.goto(f"{live_url}/console/supervise")
        shot(supervisor, "supervise")
        supervisor.click(f"#to-verify >> text={number}")
        supervisor.click("#verify button[value=approve]")
        supervisor.wait_for_selector("text=已核实")

        # The dispatcher tells the resident; the resident rates it; it closes.
        dispatcher.goto(request_url)
        dispatcher.fill("#feedback input[name=note]", "已电话告知：水管已修好")
        dispatcher.click("#feedback button")
        dispatcher.wait_for_selector("#rating")
        dispatcher.select_option("#rating select[name=score]", "5")
        dispatcher.fill("#rating input[name=comment]", "很满意")
        dispatcher.click("#rating button")
        dispatcher.wait_for_selector("#status")
        assert dispatcher.inner_text("#status") == "已关闭"
        steps = dispatcher.locator("#timeline tr[data-action]")
        assert [steps.nth(i).get_attribute("data-action") for i in range(steps.count())] == [
            "received",
            "dispatched",
            "assigned",
            "started",
            "resolved",
            "verified",
            "feedback_given",
            "rated",
            "closed",
        ]
        # In words, not codes: who, what, and the facts of each step.
        timeline = dispatcher.inner_text("#timeline")
        for words in ("受理", "经电话受理", "派至和平春晖社区", "分派给网格员 张伟", "评分5/5"):
            assert words in timeline
        assert "received" not in timeline and "a_" not in timeline
        shot(dispatcher, "request-closed")

        dispatcher.goto(f"{live_url}/console/dashboard")
        assert int(dispatcher.inner_text("#kpi-total")) == total_before + 1
        shot(dispatcher, "dashboard")
        board_csv = dispatcher.request.get(f"{live_url}/console/dashboard.csv")
        assert board_csv.ok and "和平春晖社区" in board_csv.text()
        exported = dispatcher.request.get(f"{live_url}/console/export.csv")
        assert exported.ok and number in exported.text()
        assert dispatcher.request.get(f"{live_url}/api/v1/requests/export.csv").status == 401
