"""The residents' pages in headless Chromium at 360 px, against the real server over loopback:
an elderly resident files a request with a full-width phone number, fixes the one field the
server refused without retyping the rest, keeps the link (copy, QR code), and later follows
the request by its number and phone. axe-core finds no violation on any residents' page at
360 px and 1366 px; help text is 16 px or more and input borders stand out at 3:1."""

import re

import pytest

from tests.support.axe import violations
from tests.support.browser import chromium, shot

SMALL = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True}
WIDE = {"viewport": {"width": 1366, "height": 900}}
WIDE_PHONE = "１３９１２３４５６７８（儿子）"


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(first: str, second: str) -> float:
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _fill_report(page, base: str, address: str) -> None:
    page.goto(f"{base}/public/")
    page.select_option("#category_code", value="repair.water")
    page.fill("#address", address)
    page.fill("#description", "卫生间水管漏水，楼下已经渗水")
    page.fill("#caller_name", "王秀兰")
    page.fill("#caller_phone", WIDE_PHONE)


def test_a_resident_files_fixes_a_field_and_follows_by_number_and_phone(live_url, settings):
    with chromium(settings) as browser:
        context = browser.new_context(**SMALL)
        page = context.new_page()

        # The browser is told what a phone is; the hotline is a tap away.
        _fill_report(page, live_url, "和")  # one character: too short
        phone = page.locator("#caller_phone")
        assert phone.get_attribute("type") == "tel"
        assert phone.get_attribute("inputmode") == "tel"
        assert phone.get_attribute("autocomplete") == "tel"
        assert phone.get_attribute("pattern")
        assert page.locator("a[href='tel:12345']").count() >= 1
        page.click("#submit")

        # Refused: the field is named, marked and its words say why; the rest is as typed.
        page.wait_for_selector("#form-error")
        assert "地址" in page.inner_text("#form-error")
        assert page.get_attribute("#address", "aria-invalid") == "true"
        assert "至少 2 个字" in page.inner_text("#address-error")
        assert page.input_value("#caller_phone") == WIDE_PHONE
        assert page.input_value("#caller_name") == "王秀兰"
        assert page.input_value("#description") == "卫生间水管漏水，楼下已经渗水"
        assert page.input_value("#category_code") == "repair.water"
        shot(page, "public-refused-360")
        page.fill("#address", "和平春晖社区6号楼3单元201")  # only this is typed again
        page.click("#submit")
        page.wait_for_selector("#receipt")
        number = page.inner_text("#number")

        # The link is a link, with copy (and share where the browser has it) and a QR code.
        link = page.get_attribute("#link", "href")
        assert re.search(r"/public/track/[A-Za-z0-9_-]{43}$", link)
        assert page.is_visible("#copy")
        has_share = page.evaluate("() => typeof navigator.share === 'function'")
        assert page.is_visible("#share") == has_share  # hidden, never broken, without it
        page.click("#copy")
        page.wait_for_selector("#copied", state="visible")
        qr = page.locator("svg.qr").bounding_box()
        assert qr["width"] >= 160 and qr["width"] <= 360
        shot(page, "public-receipt-360")

        # Later, without the link: by number and phone (typed another way).
        page.click("a[href='/public/lookup']")
        page.fill("#number", number)
        page.fill("#phone", "139-1234-5678")
        page.click("#find")
        page.wait_for_selector("#track-number")
        assert page.inner_text("#track-number") == number
        assert page.inner_text("#status") == "已受理"
        assert page.locator("#rating").count() == 0 and page.locator("#link").count() == 0
        shot(page, "public-lookup-found-360")
        # A wrong phone: the form again, as typed, with the words of the miss.
        page.goto(f"{live_url}/public/lookup")
        page.fill("#number", number)
        page.fill("#phone", "13812345678")
        page.click("#find")
        page.wait_for_selector("#form-error")
        assert page.input_value("#number") == number
        assert page.input_value("#phone") == "13812345678"
        assert "没有找到" in page.inner_text("#form-error")


def _residents_pages(page, base: str) -> list[tuple[str, object]]:
    """Every residents' page (and its refused forms), each as (name, how to reach it)."""

    def report_refused():
        _fill_report(page, base, "和")
        page.click("#submit")
        page.wait_for_selector("#form-error")

    def received():
        _fill_report(page, base, "和平春晖社区6号楼3单元201")
        page.click("#submit")
        page.wait_for_selector("#receipt")

    def followed():
        page.goto(page.get_attribute("#link", "href"))

    def looked_up():
        number = page.inner_text("#track-number")
        page.goto(f"{base}/public/lookup")
        page.fill("#number", number)
        page.fill("#phone", WIDE_PHONE)
        page.click("#find")
        page.wait_for_selector("#track-number")

    def lookup_missed():
        page.goto(f"{base}/public/lookup")
        page.fill("#number", "990101-9999")
        page.fill("#phone", "13912345678，13812345678")
        page.click("#find")
        page.wait_for_selector("#form-error")

    return [
        ("report", lambda: page.goto(f"{base}/public/")),
        ("report refused", report_refused),
        ("received", received),
        ("followed by link", followed),
        ("looked up", looked_up),
        ("look-up form", lambda: page.goto(f"{base}/public/lookup")),
        ("look-up missed", lookup_missed),
        ("catalogue", lambda: page.goto(f"{base}/public/catalogue")),
        ("workstation", lambda: page.goto(f"{base}/public/catalogue?community=D01-S01-C01")),
        ("not found", lambda: page.goto(f"{base}/public/track/{'A' * 43}")),
    ]


def page_problems(page, name: str) -> list[str]:
    """axe's violations on the page as it is; asserts help text at 16 px or more and input
    borders at 3:1 against the card."""
    sizes = page.eval_on_selector_all(
        ".help, .muted, .field-error",
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))",
    )
    assert all(px >= 16 for px in sizes), (name, sizes)
    borders = page.eval_on_selector_all(
        "input:not([type=hidden]), select, textarea",
        "els => els.map(e => [getComputedStyle(e).borderTopColor,"
        " getComputedStyle(e.closest('.card') || document.body).backgroundColor])",
    )
    for border, behind in borders:
        assert _contrast(border, behind) >= 3, (name, border, behind)
    return violations(page)


@pytest.mark.parametrize("size", ["360", "1366"])
def test_axe_finds_nothing_on_any_residents_page(live_url, settings, size):
    with chromium(settings) as browser:
        context = browser.new_context(**(SMALL if size == "360" else WIDE), bypass_csp=True)
        page = context.new_page()
        found = {}
        for name, reach in _residents_pages(page, live_url):
            reach()
            problems = page_problems(page, name)
            if problems:
                found[name] = problems
        assert not found, found
