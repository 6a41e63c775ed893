"""The console's reports: 日报, 周报, 月报 over local days, the 红黑榜, and the .xlsx opened with
openpyxl holding the same figures as the API and the page, with Chinese headers and real
dates."""

import csv
import io
import json
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from server.console.reports import period_range
from tests.test_console_words import _console
from tests.test_hotline_stats import FIGURES, _fixture

RATES = FIGURES[2:]


def test_periods_are_local_days_weeks_from_monday_and_calendar_months():
    thursday = date(2026, 3, 5)
    assert period_range("day", thursday) == (thursday, thursday)
    assert period_range("week", thursday) == (date(2026, 3, 2), date(2026, 3, 8))
    assert period_range("month", thursday) == (date(2026, 3, 1), date(2026, 3, 31))
    assert period_range("month", date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert period_range("month", date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))


def _pct(rate) -> str:
    return "—" if rate is None else f"{round(rate * 100, 1)}%"


async def test_the_weekly_report_page_and_its_xlsx_match_the_api(api):
    await _fixture(api)
    desk = await api.login("dispatcher")
    week = {"from": "2026-03-02", "to": "2026-03-08"}
    expected = {
        by: (await desk.get("/api/v1/stats", params={**week, "by": by})).json()
        for by in ("subdistrict", "department")
    }
    assert expected["subdistrict"]["total"]["received"] == 6  # A–E and the 5th's
    client = await _console(api, "dispatcher", "zh")
    try:
        asked = {"period": "week", "date": "2026-03-05"}
        page = await client.get("/console/reports/", params=asked)
        assert page.status_code == 200, page.text
        html = page.text
        assert "周报" in html and 'datetime="2026-03-02"' in html
        assert 'datetime="2026-03-08"' in html
        # The page's tables say the API's figures.
        for by, answer in expected.items():
            table = html.split(f'id="by-{by}"')[1].split("</table>")[0]
            for row in [*answer["rows"], answer["total"]]:
                cells = table.split(f'data-key="{row["key"]}"')[1].split("</tr>")[0]
                shown = re.findall(r"<td[^>]*>([^<]*)</td>", cells)
                assert shown == [str(row["received"]), str(row["closed"])] + [
                    _pct(row[rate]) for rate in RATES
                ], (by, row["key"])
        # 红黑榜: 和平街道 (D01-S01) is the only subdistrict with anything counted: red only.
        red = html.split('id="red-subdistrict"')[1].split("</ol>")[0]
        black = html.split('id="black-subdistrict"')[1].split("</ol>")[0]
        assert 'data-key="D01-S01"' in red and 'data-key="D01-S01"' not in black
        # The charts' figures, carried by the page as JSON, are the API's.
        block = html.split('id="report-data">')[1].split("</script>")[0]
        chart = json.loads(block)
        assert chart["names"] == [r["name"] for r in expected["subdistrict"]["rows"]]
        assert chart["received"] == [r["received"] for r in expected["subdistrict"]["rows"]]
        # Scripts only from the server itself, and only on this page.
        sources = re.findall(r'<script[^>]*src="([^"]+)"', html)
        assert sources == [
            "/console/static/vendor/echarts/echarts.min.js",
            "/console/static/charts/reports.js",
        ]
        assert "script-src 'self'" in page.headers["content-security-policy"]
        for source in sources:
            served = await client.get(source)
            assert served.status_code == 200 and len(served.content) > 500
        queue = await client.get("/console/")
        assert "script-src 'none'" in queue.headers["content-security-policy"]
        link = re.search(r'id="report-xlsx" href="([^"]+)"|href="([^"]+)" id="report-xlsx"', html)
        xlsx = await client.get(next(g for g in link.groups() if g).replace("&amp;", "&"))
        assert xlsx.status_code == 200
        assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    finally:
        await client.aclose()
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["按街道", "按职能部门"]
    for sheet, by in zip(book.worksheets, ("subdistrict", "department"), strict=True):
        first, last = sheet["B1"].value, sheet["D1"].value
        assert isinstance(first, datetime) and first.date() == date(2026, 3, 2)
        assert isinstance(last, datetime) and last.date() == date(2026, 3, 8)
        header = [c.value for c in sheet[2]]
        assert header[:4] == ["代码", "名称", "受理量", "办结量"]
        assert header[4:7] == ["响应率", "解决率", "满意率"]
        rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
        answer = expected[by]
        assert len(rows) == len(answer["rows"]) + 1
        for row in [*answer["rows"], answer["total"]]:
            got = rows[row["key"]]
            assert got[1] == row["name"]
            assert list(got[2:]) == [row[f] for f in FIGURES]


@pytest.mark.parametrize("query", [{"period": "year"}, {"date": "2026-13-01"}])
async def test_a_bad_report_query_is_a_400_page(api, query):
    client = await _console(api, "dispatcher", "en")
    try:
        for path in ("/console/reports/", "/console/reports/report.xlsx"):
            answer = await client.get(path, params=query)
            assert answer.status_code == 400 and "<html" in answer.text
    finally:
        await client.aclose()


async def test_a_worker_has_no_reports(api):
    client = await _console(api, "worker1", "zh")
    try:
        assert (await client.get("/console/reports/")).status_code == 403
        assert 'id="nav-reports"' not in (await client.get("/console/")).text
    finally:
        await client.aclose()


async def test_the_dashboard_csv_honours_the_range_and_matches_the_screen(api):
    await _fixture(api)
    client = await _console(api, "dispatcher", "zh")
    try:
        screen = await client.get(
            "/console/dashboard", params={"from": "2026-03-02", "to": "2026-03-04"}
        )
        link = re.search(r'href="([^"]+)" id="dashboard-csv"', screen.text)[1].replace("&amp;", "&")
        assert "from=2026-03-02" in link and "to=2026-03-04" in link
        download = await client.get(link)
    finally:
        await client.aclose()
    rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert rows[0][-1] == "满意率" and "满意度" not in rows[0]
    communities = {row[1]: row[2:] for row in rows[1:] if row[0] == "社区"}
    # Only the fixture's requests: A and B (C merged) at 和平春晖社区, D and E unplaced.
    table = screen.text.split('id="by-community"')[1].split("</table>")[0]
    on_screen = {
        cells[0]: cells[1:]
        for cells in (re.findall(r"<td>([^<]*)</td>", tr) for tr in table.split("<tr>")[2:])
    }
    assert communities == on_screen
    assert communities["和平春晖社区"][0] == "3"
    # A rated 5, B rated 2 then 4: both 满意 by their standing rating (4 or 5).
    assert communities["和平春晖社区"][-2:] == ["2", "100.0%"]
