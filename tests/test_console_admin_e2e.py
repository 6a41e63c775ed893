"""The admin pages in headless Chromium against the real server over loopback: a supervisor
creates an account, resets its password, previews moving it to another community and makes
the move; a bad value answers a page in the person's language."""

import uuid

import httpx

from tests.support.browser import chromium, shot, sign_in


def _signs_in(base: str, username: str, password: str) -> int:
    body = {"username": username, "password": password, "device_id": str(uuid.uuid4())}
    return httpx.post(f"{base}/api/v1/auth/login", json=body, timeout=30).status_code


def test_a_supervisor_manages_an_account_in_the_browser(live_url, settings):
    with chromium(settings) as browser:
        page = sign_in(browser, live_url, "supervisor1")
        page.click("#nav-admin")
        page.wait_for_selector("#new-account")

        # Create an account for a new worker of the community.
        page.fill("#new-account input[name=username]", "c01.liu")
        page.fill("#new-account input[name=display_name]", "网格员 刘洋")
        page.fill("#new-account input[name=password]", "first-pass-2026")
        page.select_option("#new-account select[name=role]", value="worker")
        page.select_option("#new-account select[name=org_unit_code]", value="D01-S01-C01")
        page.click("#create-account")
        page.wait_for_selector("#account-role")
        account_url = page.url.split("?")[0]
        assert "网格员 刘洋" in page.inner_text("main h2")
        assert _signs_in(live_url, "c01.liu", "first-pass-2026") == 200
        page.goto(f"{live_url}/console/admin/accounts")
        shot(page, "admin-accounts")
        page.fill("#search-accounts input[name=q]", "刘洋")
        page.click("#search-accounts button")
        page.wait_for_url("**q=*")
        assert "c01.liu" in page.inner_text("#accounts")

        # Reset its password: the old one stops working.
        page.goto(account_url)
        page.fill("#reset-password input[name=password]", "second-pass-2026")
        page.click("#reset")
        page.wait_for_selector("#done")
        shot(page, "admin-account")
        assert _signs_in(live_url, "c01.liu", "first-pass-2026") == 401
        assert _signs_in(live_url, "c01.liu", "second-pass-2026") == 200

        # A community supervisor moves people only within its community; an admin previews
        # moving worker1 to another community before making the move.
        page.goto(f"{live_url}/console/admin/accounts?q=worker1")
        page.click("#accounts a")
        page.wait_for_selector("#reassign")
        assert len(page.locator("#reassign select[name=org_unit_code] option").all()) == 1
        admin = sign_in(browser, live_url, "admin")
        admin.goto(f"{live_url}/console/admin/accounts?q=worker1")
        admin.click("#accounts a")
        admin.wait_for_selector("#reassign")
        admin.select_option("#reassign select[name=org_unit_code]", value="D01-S01-C02")
        admin.click("#preview-change")
        admin.wait_for_selector("#scope-change")
        row = admin.locator("#scope-change tr[data-entity=resident] td").all_inner_texts()
        now, after, arriving, leaving = (int(cell) for cell in row[1:])
        assert now > 0 and after > 0 and arriving == after and leaving == now
        shot(admin, "admin-scope-preview")
        admin.click("#confirm-change")
        admin.wait_for_selector("#done")
        assert "D01-S01-C02" not in admin.inner_text("#account-unit")  # shown by name

        # A bad value: a password too short answers a page in the person's language.
        admin.goto(account_url)
        admin.eval_on_selector("#reset-password input[name=password]", "e => e.minLength = 0")
        admin.fill("#reset-password input[name=password]", "short")
        admin.click("#reset")
        admin.wait_for_selector(".error")
        assert "操作未完成" in admin.inner_text(".error")
        assert _signs_in(live_url, "c01.liu", "second-pass-2026") == 200
