"""The residents' pages a request reaches later in its life, in headless Chromium at 360 px and
1366 px against the real server: axe-core finds no violation on any of them, help text is
16 px or more and input borders stand out at 3:1 (tests/test_public_residents_e2e.py holds
the pages of filing and following). The pages: a second report of the same thing (told it
repeats an earlier one), the request waiting for the resident's rating, a rating sent without
a choice, the same request looked up by number and phone, the repeat once merged (handled
with the main request), the rated request, an expired form (403) and reporting too often
(429)."""

import pytest

from tests.support.browser import chromium
from tests.support.public import bring_to_feedback, request_id, sign_in
from tests.test_public_e2e import _staff
from tests.test_public_residents_e2e import (
    SMALL,
    WIDE,
    WIDE_PHONE,
    _fill_report,
    page_problems,
)

ADDRESS = "和平春晖社区6号楼3单元201"


def _file(page, base: str) -> tuple[str, str]:
    """A report as an elderly resident types it; its number and private link."""
    _fill_report(page, base, ADDRESS)
    page.click("#submit")
    page.wait_for_selector("#receipt")
    return page.inner_text("#number"), page.get_attribute("#link", "href")


async def _merge(client, repeat: str, main: str) -> None:
    headers, _ = await sign_in(client, "dispatcher")
    repeat_id = await request_id(client, headers, repeat)
    main_id = await request_id(client, headers, main)
    merged = await client.post(
        f"/api/v1/requests/{repeat_id}/merge", json={"into": main_id}, headers=headers
    )
    assert merged.status_code == 200, merged.text


@pytest.mark.parametrize("size", ["360", "1366"])
def test_axe_finds_nothing_on_the_residents_pages_later_on(live_url, settings, size):
    with chromium(settings) as browser:
        context = browser.new_context(**(SMALL if size == "360" else WIDE), bypass_csp=True)
        page = context.new_page()
        found: dict[str, list[str]] = {}

        def check(name: str, selector: str) -> None:
            assert page.locator(selector).count() >= 1, (name, selector)
            problems = page_problems(page, name)
            if problems:
                found[name] = problems

        number, link = _file(page, live_url)
        repeat_number, repeat_link = _file(page, live_url)
        check("received, a repeat", "#repeat-of")
        assert number in page.inner_text("#repeat-of")

        _staff(live_url, lambda client: bring_to_feedback(client, number))
        _staff(live_url, lambda client: _merge(client, repeat_number, number))
        page.goto(link)
        check("waiting for a rating", "#rating")
        # The browser would stop an empty choice; the server is asked anyway.
        page.eval_on_selector_all("#score input", "els => els.forEach(e => e.required = false)")
        page.click("#rate")
        page.wait_for_selector("#score-error")
        check("rating without a choice", "#score-error")

        page.goto(f"{live_url}/public/lookup")
        page.fill("#number", number)
        page.fill("#phone", WIDE_PHONE)
        page.click("#find")
        page.wait_for_selector("#track-number")
        check("looked up, waiting for a rating", "#rate-by-link")

        page.goto(repeat_link)
        check("the repeat, merged", "#merged-into")

        page.goto(link)
        page.check("#score input[value='5']")
        page.click("#rate")
        page.wait_for_selector("#rated")
        check("rated", "#rated")

        # A form kept open past its token, then reporting too often: pages, not errors.
        _fill_report(page, live_url, ADDRESS)
        page.eval_on_selector("input[name=_csrf_token]", "e => e.value = 'expired'")
        page.click("#submit")
        page.wait_for_selector("#error")
        check("form expired", "#error")
        for _ in range(6):
            _fill_report(page, live_url, ADDRESS)
            page.click("#submit")
            page.wait_for_selector("#receipt, #error")
            if page.locator("#error").count():
                break
        assert "提交太频繁" in page.inner_text("#error")
        check("too many reports", "#error")
        assert not found, found
