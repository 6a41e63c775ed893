"""The step forms' refusals in headless Chromium against the real server over loopback: each
form whose refusal renders the form again (intake, and the levels' route, transfer, resolve and
return pages, `server/console/levels.py: FORM_STEPS`) is sent a bad value as a person would
type it. The refusal is shown inside the form (the heading, the form and the way back still
there, the page announcing it with role=alert), what was typed is kept, the refused field is
marked (aria-invalid, aria-describedby naming the words beside it) and nothing changed (the
request's status, holder and timeline as before). zh, and the same in en for one of them."""

import re

from tests.support.browser import chromium, shot, sign_in
from tests.test_console_words import _assert_words

LONG = "楼道水管已经修好，" * 445  # 4,005 characters: a note may have 4,000


def _steps(page, base: str, request_id: str) -> tuple[str, list[str]]:
    """The request's status and the steps of its timeline, read on its page."""
    page.goto(f"{base}/console/requests/{request_id}")
    rows = page.locator("#timeline tr[data-action]")
    return page.inner_text("#status"), [
        rows.nth(i).get_attribute("data-action") for i in range(rows.count())
    ]


def _refused_inside(page, field: str, lang: str = "zh") -> str:
    """The page is the form again with the refusal inside it; answers the refusal's words."""
    page.wait_for_selector("[aria-invalid=true]")
    marked = page.locator("[aria-invalid=true]")
    assert marked.count() == 1 and marked.get_attribute("id") == field, field
    words = page.locator(f"#{marked.get_attribute('aria-describedby')}")
    said = words.inner_text().strip()
    assert said, field
    # Beside the field, inside the form, the form's way back kept; the page announces it.
    form = page.locator("form", has=marked)
    assert form.locator(f"#{marked.get_attribute('aria-describedby')}").count() == 1
    assert page.locator("[role=alert]").count() >= 1
    assert page.locator("header nav").count() >= 1  # not a dead end: the menu is there
    _assert_words(page.content(), lang, f"refused {field}")
    return said


def _register(page, base: str) -> str:
    page.goto(f"{base}/console/")
    page.fill("#f-caller_name", "郑淑珍")
    page.fill("#f-caller_phone", "13912340077")
    page.select_option("#f-category_code", value="repair.water")
    page.fill("#f-address", "和平春晖社区6号楼3单元201")
    page.select_option("#resident-id", "new")
    page.fill("#f-description", "卫生间水管漏水")
    page.click("#register")
    page.wait_for_url(re.compile(r"/console/requests/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def test_each_step_form_keeps_what_was_typed_when_refused(live_url, settings):
    base = live_url
    with chromium(settings) as browser:
        desk = sign_in(browser, base, "dispatcher")

        # Intake: a phone of 41 digits. Everything typed is there again; nothing registered.
        desk.goto(f"{base}/console/")
        total = desk.inner_text("#list-count") if desk.locator("#list-count").count() else ""
        desk.fill("#f-caller_name", "测试来电人")
        desk.fill("#f-caller_phone", "1" * 41)
        desk.select_option("#f-category_code", value="repair.water")
        desk.fill("#f-address", "和平春晖社区6号楼")
        desk.fill("#f-description", "楼道灯不亮，晚上看不见")
        desk.click("#register")
        _refused_inside(desk, "f-caller_phone")
        assert desk.input_value("#f-caller_name") == "测试来电人"
        assert desk.input_value("#f-caller_phone") == "1" * 41
        assert desk.input_value("#f-address") == "和平春晖社区6号楼"
        assert desk.input_value("#f-description") == "楼道灯不亮，晚上看不见"
        assert desk.input_value("#f-category_code") == "repair.water"
        shot(desk, "refused-intake")
        desk.goto(f"{base}/console/?search=测试来电人")
        assert "测试来电人" not in desk.inner_text("#requests")
        if total:
            desk.goto(f"{base}/console/")
            assert desk.inner_text("#list-count") == total

        request_id = _register(desk, base)
        before = _steps(desk, base, request_id)

        # Route (the district): a note longer than a note may be; the choices kept.
        for lang in ("zh", "en"):
            if lang == "en":
                desk.goto(f"{base}/console/language?next=/console/")
            desk.goto(f"{base}/console/levels/requests/{request_id}/route")
            desk.select_option("#f-org_unit_code", value="D01-S01")
            desk.select_option("#f-department_code", value="DEP01")
            desk.fill("#f-note", LONG)
            desk.click("#step-submit")
            _refused_inside(desk, "f-note", lang)
            assert desk.input_value("#f-note") == LONG
            assert desk.input_value("#f-org_unit_code") == "D01-S01"
            assert desk.input_value("#f-department_code") == "DEP01"
            assert desk.locator("#heading").count() == 1
            shot(desk, f"refused-route{'-en' if lang == 'en' else ''}")
        desk.goto(f"{base}/console/language?next=/console/")
        assert _steps(desk, base, request_id) == before

        # Sent to the water department, whose transfer note is too long (the department kept).
        desk.goto(f"{base}/console/levels/requests/{request_id}/route")
        desk.select_option("#f-department_code", value="DEP01")
        desk.click("#step-submit")
        desk.wait_for_selector("#done-flash")
        water = sign_in(browser, base, "dept_water")
        sent = _steps(water, base, request_id)
        water.goto(f"{base}/console/levels/requests/{request_id}/transfer")
        water.select_option("#f-department_code", value="DEP02")
        water.fill("#f-note", LONG)
        water.click("#step-submit")
        _refused_inside(water, "f-note")
        assert water.input_value("#f-note") == LONG
        assert water.input_value("#f-department_code") == "DEP02"
        shot(water, "refused-transfer")
        assert _steps(water, base, request_id) == sent

        # Return: a reason longer than a reason may be.
        water.goto(f"{base}/console/levels/requests/{request_id}/return")
        water.fill("#f-reason", LONG)
        water.click("#step-submit")
        _refused_inside(water, "f-reason")
        assert water.input_value("#f-reason") == LONG
        assert _steps(water, base, request_id) == sent

        # Accepted, then resolved with only spaces for the result (the browser lets it by).
        water.goto(f"{base}/console/levels/")
        water.goto(f"{base}/console/requests/{request_id}")
        number = water.inner_text("#number")
        water.goto(f"{base}/console/levels/")
        water.click(f"tr[data-number='{number}'] button.accept")
        water.wait_for_selector("#done-flash")
        accepted = _steps(water, base, request_id)
        water.goto(f"{base}/console/levels/requests/{request_id}/resolve")
        water.fill("#f-note", "   ")
        water.click("#step-submit")
        said = _refused_inside(water, "f-note")
        assert said == "请填写办理结果", said  # the form labels the field so
        shot(water, "refused-resolve")
        assert _steps(water, base, request_id) == accepted
