"""The reports page in headless Chromium (Debian's) against the real server over loopback:
both charts drawn by the vendored ECharts, each beside its table, no request leaving the
server, no script error, and the .xlsx link answering."""

from urllib.parse import urlsplit

from tests.support.browser import chromium, shot, sign_in


def test_the_charts_draw_from_the_server_alone(live_url, settings):
    ours = urlsplit(live_url).netloc
    with chromium(settings) as browser:
        page = sign_in(browser, live_url, "dispatcher")
        asked, errors = [], []
        page.on("request", lambda request: asked.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.click("#nav-reports")
        page.wait_for_selector("#chart-volume[data-drawn=true] svg", timeout=15_000)
        page.wait_for_selector("#chart-rates[data-drawn=true] svg", timeout=15_000)
        for chart in ("#chart-volume", "#chart-rates"):
            drawn = page.locator(f"{chart} svg")
            assert drawn.count() >= 1
            # Bars were drawn (paths inside the chart), not an empty frame.
            assert page.locator(f"{chart} svg path").count() > 3
            # The text alternative: the table the chart describes is on the page.
            described = page.get_attribute(chart, "aria-describedby")
            assert page.locator(f"#{described} tr").count() > 2
        page.select_option("select[name=period]", "week")
        page.click("#period button")
        page.wait_for_selector("#chart-rates[data-drawn=true] svg", timeout=15_000)
        assert "周报" in page.inner_text("#report-title")
        shot(page, "reports")
        with page.expect_download() as download:
            page.click("#report-xlsx")
        assert download.value.suggested_filename.endswith(".xlsx")
        assert not errors, errors
        assert asked and all(urlsplit(url).netloc == ours for url in asked), asked
