"""In headless Chromium against the real server: a community supervisor records spending from
its fund in the console and finds it in the ledger and the CSV link; the district's view of a
subdistrict's fund and the register of organisations. With DOORSTEP_CONSOLE_SHOTS set, saves
funds.png and organisations.png there."""

from tests.support.browser import chromium, shot, sign_in


def test_spending_in_the_console_and_the_register(live_url, settings):
    with chromium(settings) as browser:
        supervisor = sign_in(browser, live_url, "supervisor1")
        supervisor.goto(f"{live_url}/console/funds")
        before = supervisor.inner_text("#kpi-spent")
        supervisor.fill("#spend input[name=amount_cny]", "860")
        supervisor.select_option("#spend select[name=category]", "elderly_care")
        supervisor.fill("#spend input[name=note]", "独居老人冬季助餐")
        supervisor.click("#spend button")
        supervisor.wait_for_selector("#ledger >> text=独居老人冬季助餐")
        after = supervisor.inner_text("#kpi-spent")
        assert float(after.replace(",", "")) == float(before.replace(",", "")) + 860
        assert "养老服务" in supervisor.inner_text("#ledger")

        admin = sign_in(browser, live_url, "admin")
        admin.goto(f"{live_url}/console/funds?org_unit=D01-S01")
        assert admin.locator("#fund-children tr").count() == 8  # a header and 7 communities
        shot(admin, "funds")
        admin.goto(f"{live_url}/console/organisations?org_unit=D01-S01")
        rows = admin.locator("#organisations tr")
        assert rows.count() > 5
        assert "两老" in admin.inner_text("#organisations")
        shot(admin, "organisations")
        admin.click("#organisations a >> nth=0")
        admin.wait_for_selector("#activities")
        admin.goto(f"{live_url}/console/dashboard")
        assert int(admin.inner_text("#fig-organisations")) >= 15
