"""The address library in headless Chromium (Debian's), against the real server over
loopback: the dispatcher's call on a street seven communities share is asked about, naming
them; a district admin's CSV with a bad line is refused with the page naming the line, and a
good one replaces the library; axe finds nothing on the library's page. Screenshots go to
DOORSTEP_CONSOLE_SHOTS when set."""

import re

from tests.support.axe import violations
from tests.support.browser import chromium, shot, sign_in

DESK = {"viewport": {"width": 1366, "height": 900}, "bypass_csp": True}


def test_the_library_places_asks_and_is_replaced_from_csv(live_url, tmp_path, settings):
    with chromium(settings) as browser:
        # A call on 解放大街 without a number: seven communities share it, so it is asked.
        desk = sign_in(browser, live_url, "dispatcher", **DESK)
        desk.goto(f"{live_url}/console/")
        desk.fill("#f-caller_name", "周建国")
        desk.fill("#f-caller_phone", "13812349999")
        desk.select_option("#f-category_code", "repair.water")
        desk.fill("#f-address", "解放大街菜市场后身")
        desk.select_option("#resident-id", "new")
        desk.fill("#f-description", "楼道水管漏水")
        desk.click("#register")
        asked = desk.locator("#may-be").inner_text()
        assert len(re.findall(r"解放\w{2}社区", asked)) == 7
        assert desk.input_value("#f-address") == "解放大街菜市场后身"  # kept as typed
        shot(desk, "intake-shared-street")
        # The street and a number in its range: registered at once, placed.
        desk.fill("#f-address", "解放路12号")
        desk.click("#register")
        desk.wait_for_url(re.compile(r"/console/requests/"))
        assert "解放" in desk.content() and 'id="unplaced"' not in desk.content()

        for lang in ("zh", "en"):
            admin = sign_in(browser, live_url, "admin", lang, **DESK)
            admin.goto(f"{live_url}/console/admin/addresses/?q=解放")
            assert admin.locator("#stretches tr").count() > 7
            assert violations(admin) == []
            shot(admin, f"admin-addresses{'-en' if lang == 'en' else ''}")
        bad = tmp_path / "bad.csv"
        bad.write_text("社区编码,街路巷,起始门牌,终止门牌\nD01-S01-C02,解放路,80,20\n", "utf-8")
        admin.goto(f"{live_url}/console/admin/addresses/")
        admin.set_input_files("#f-file", str(bad))
        admin.click("#import")
        said = admin.locator("#bad-row").inner_text()
        assert "Line 2" in said and "80-20" in said
        assert admin.get_attribute("#f-file", "aria-invalid") == "true"
        assert violations(admin) == []
        shot(admin, "admin-addresses-bad-row")
        good = tmp_path / "good.csv"
        good.write_text("community_code,street,first,last\nD01-S01-C02,解放路,1,50\n", "utf-8-sig")
        admin.set_input_files("#f-file", str(good))
        admin.click("#import")
        admin.wait_for_url(re.compile(r"/console/admin/addresses/?$"))
        assert "1 entries, 1 streets, in 1 communities" in admin.content()


def test_a_request_on_a_shared_street_is_dispatched_among_its_communities(live_url, settings):
    """A call on 解放大街 (seven communities share it) registered unplaced: the request page's
    dispatch form says why and offers the seven first, then every other community; the
    dispatcher picks one and the page confirms where it went. zh and en."""
    with chromium(settings) as browser:
        for lang in ("zh", "en"):
            desk = sign_in(browser, live_url, "dispatcher", lang, **DESK)
            desk.goto(f"{live_url}/console/")
            desk.fill("#f-caller_name", "周建国")
            desk.fill("#f-caller_phone", "1381234999" + ("8" if lang == "zh" else "7"))
            desk.select_option("#f-category_code", "repair.water")
            desk.fill("#f-address", "解放大街菜市场后身")
            desk.select_option("#resident-id", "new")
            desk.fill("#f-description", "楼道水管漏水")
            desk.click("#register")
            desk.check("input[name=confirm_unplaced]")
            desk.click("#register")
            desk.wait_for_selector("#dispatch #shared-street")
            why = desk.inner_text("#shared-street")
            assert "解放大街" in why and ("7个社区" in why or "7 communities" in why)
            # The library's words take the place of "matches no community": it matches seven.
            assert desk.inner_text("#unplaced") == why
            picker = desk.locator("#dispatch select[name=community_code]")
            assert picker.get_attribute("aria-describedby") == "shared-street"
            # The first group is the seven; nothing is chosen for the dispatcher.
            first = desk.locator("#dispatch optgroup").first
            assert first.get_attribute("id") == "candidates"
            assert first.locator("option").count() == 7
            assert desk.eval_on_selector("#dispatch select", "s => s.value") == ""
            # Any other community can still be chosen: all 99 are there.
            assert desk.locator("#dispatch option[value^='D01-']").count() == 99
            assert violations(desk) == []
            shot(desk, f"dispatch-shared-street{'-en' if lang == 'en' else ''}")
            chosen = first.locator("option").nth(2)
            name = re.split(r"（| \(", chosen.inner_text())[0]  # the brackets of the language
            picker.select_option(chosen.get_attribute("value"))
            desk.click("#dispatch button")
            desk.wait_for_selector("#done-flash")
            assert name in desk.inner_text("#done-flash")
            assert desk.locator("#shared-street").count() == 0
            desk.context.close()
