"""The office's console as each role meets it (issue 21): the first page after signing in is
the person's own work; the community supervisor's approvals are called 审核 and each row names
the resident and the worker."""

import re

import httpx

from tests.support.server import PASSWORD

LANDINGS = {
    "dispatcher": "/console/",
    "subdistrict1": "/console/levels/",
    "dept_water": "/console/levels/",
    "inspector1": "/console/levels/inspection",
    "supervisor1": "/console/supervise",
    "admin": "/console/admin/accounts",
}


async def _sign_in(api, username: str) -> tuple[httpx.AsyncClient, httpx.Response]:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://doorstep"
    )
    login = await client.get("/console/login")
    csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', login.text)[1]
    signed_in = await client.post(
        "/console/login", data={"username": username, "password": PASSWORD, "_csrf_token": csrf}
    )
    return client, signed_in


async def test_each_role_lands_on_its_own_work(api):
    for username, landing in LANDINGS.items():
        client, signed_in = await _sign_in(api, username)
        try:
            assert signed_in.status_code == 303, username
            assert signed_in.headers["location"] == landing, username
            assert (await client.get(landing)).status_code == 200, username
        finally:
            await client.aclose()


async def test_the_approvals_are_called_shenhe_and_name_resident_and_worker(api):
    client, _ = await _sign_in(api, "supervisor1")
    try:
        page = await client.get("/console/supervise")
        assert re.search(r'id="nav-supervise"[^>]*>审核</a>', page.text)
        assert "未经设备签名" not in page.text
        rows = page.text.split('id="to-approve"')[1].split("</table>")[0]
        residents = re.findall(r'<td class="resident">([^<]*)</td>', rows)
        workers = re.findall(r'<td class="worker">([^<]*)</td>', rows)
        assert residents and all(name not in ("", "—") for name in residents)
        assert workers and all(name not in ("", "—") for name in workers)
    finally:
        await client.aclose()


async def test_the_resident_search_proposes_keeps_what_was_typed_and_never_picks(api):
    client, _ = await _sign_in(api, "dispatcher")
    try:
        queue = await client.get("/console/")
        picker = queue.text.split('name="category_code"')[1].split("</select>")[0]
        first = re.findall(r"<option[^>]*>([^<]*)</option>", picker)[0]
        assert first == "请选择" and "selected" not in picker
        csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', queue.text)[1]
        typed = {
            "_csrf_token": csrf,
            "caller_name": "周建国",
            "caller_phone": "13812340000",
            "address": "和平春晖社区幸福路8号",
            "description": "楼道水管爆裂，水流不止",
            "category_code": "repair.water",
        }
        # One resident matches exactly: proposed in the list, not chosen for the person.
        dispatcher = await api.login("dispatcher")
        everyone = (await dispatcher.get("/api/v1/residents", params={"limit": 1000})).json()
        one = next(r for r in everyone if r["phone"])
        found = await client.post("/console/intake/find", data={**typed, "q": one["phone"]})
        assert found.status_code == 200
        picker = found.text.split('id="resident-id"')[1].split("</select>")[0]
        assert one["id"] in picker and "selected" not in picker
        for value in typed.values():
            if value != csrf:
                assert value in found.text, value
        assert 'value="repair.water" selected' in found.text
    finally:
        await client.aclose()


async def test_the_request_list_exports_as_xlsx_and_csv_with_the_working_fields(api):
    import io
    from datetime import datetime

    from openpyxl import load_workbook

    dispatcher = await api.login("dispatcher")
    every = (await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json()
    rated = next(r for r in every if r["status"] == "closed" and r["rating"])
    client, _ = await _sign_in(api, "dispatcher")
    try:
        client.cookies.set("doorstep_lang", "zh")
        got = await client.get("/console/export.xlsx", params={"search": rated["number"]})
        assert got.status_code == 200 and got.headers["content-type"].startswith(
            "application/vnd.openxmlformats"
        )
        sheet = load_workbook(io.BytesIO(got.content)).active
        header = [c.value for c in sheet[1]]
        for words in ("编号", "诉求内容", "联系电话", "处理结果", "评价意见", "受理时间"):
            assert any(words in (h or "") for h in header), (words, header)
        row = {h: c for h, c in zip(header, sheet[2], strict=True)}
        assert row["编号"].value == rated["number"]
        received = next(c for h, c in row.items() if "受理" in (h or ""))
        assert isinstance(received.value, datetime) and received.number_format == "yyyy-mm-dd hh:mm"
        # Read as local time: the API's UTC instant plus eight hours.
        utc = datetime.fromisoformat(rated["received_at"].replace("Z", "+00:00"))
        assert received.value.strftime("%Y-%m-%d %H:%M") == (
            utc.astimezone().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
        ).strftime("%Y-%m-%d %H:%M")
        # The number stays on one line: its column is at least as wide as it.
        letter = row["编号"].column_letter
        assert sheet.column_dimensions[letter].width >= len(rated["number"])
        csv_text = (
            await client.get("/console/export.csv", params={"search": rated["number"]})
        ).text
        assert "诉求内容" in csv_text and "+08:00" not in csv_text
        assert received.value.strftime("%Y-%m-%d %H:%M") in csv_text
    finally:
        await client.aclose()


async def test_one_browser_is_one_console_device_named_in_the_viewers_language(api):
    from sqlalchemy import func, select

    from server.auth.tables import Device, User

    async def devices_of(username: str) -> int:
        async with api.runtime.sessions() as session:
            return await session.scalar(
                select(func.count())
                .select_from(Device)
                .join(User, User.id == Device.user_id)
                .where(User.username == username)
            )

    client, _ = await _sign_in(api, "admin")
    try:
        device = client.cookies.get("doorstep_device")
        before = await devices_of("admin")
        for _ in range(3):
            page = await client.get("/console/admin/accounts")
            csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', page.text)[1]
            out = await client.post("/console/logout", data={"_csrf_token": csrf})
            assert out.status_code == 303
            assert (await client.get("/console/admin/accounts")).status_code in (302, 303)
            login = await client.get("/console/login")
            csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', login.text)[1]
            again = await client.post(
                "/console/login",
                data={"username": "admin", "password": PASSWORD, "_csrf_token": csrf},
            )
            assert again.status_code == 303
            assert client.cookies.get("doorstep_device") == device
        assert await devices_of("admin") == before
        client.cookies.set("doorstep_lang", "zh")
        listed = (await client.get("/console/admin/devices")).text
        assert "网页控制台（浏览器）" in listed and "web console" not in listed
        client.cookies.set("doorstep_lang", "en")
        assert "Web console (browser)" in (await client.get("/console/admin/devices")).text
    finally:
        await client.aclose()


async def test_accounts_devices_and_organisations_are_paged(api):
    client, _ = await _sign_in(api, "admin")
    try:
        seen: set[str] = set()
        address = "/console/admin/accounts"
        pages = 0
        while address:
            page = await client.get(address)
            assert page.status_code == 200, address
            names = re.findall(r'<td class="login pin">([^<]+)</td>', page.text)
            assert 0 < len(names) <= 50 and not seen & set(names)
            seen |= set(names)
            found = re.search(r'id="page-next" href="([^"]+)"', page.text)
            address = found[1].replace("&amp;", "&") if found else None
            pages += 1
        assert pages > 1 and {"admin", "worker1", "dispatcher"} <= seen
        searched = await client.get("/console/admin/accounts", params={"q": "worker"})
        assert "worker1" in searched.text
        assert (
            await client.get("/console/admin/accounts", params={"page": "0"})
        ).status_code == 400
        for path in ("/console/admin/devices", "/console/organisations"):
            page = await client.get(path)
            assert page.status_code == 200 and 'id="page-number"' in page.text, path
            assert (await client.get(path, params={"page": "x"})).status_code == 400, path
    finally:
        await client.aclose()


async def test_every_page_has_one_h1_a_skip_link_and_a_menu_that_folds(api):
    for username, landing in LANDINGS.items():
        client, _ = await _sign_in(api, username)
        try:
            for path in {landing, "/console/", "/console/dashboard"}:
                page = await client.get(path)
                if page.status_code != 200:
                    continue  # a page the role may not open is a 403 page, checked elsewhere
                text = page.text
                assert text.count("<h1") == 1, (username, path)
                if path == "/console/levels/":
                    assert re.search(r"<h1[^>]*>本级待办</h1>", text), username
                body = text.split("<body>")[1]
                assert body.lstrip().startswith('<a class="skip" href="#main">'), (username, path)
                assert '<main id="main"' in text and 'class="menu-narrow"' in text
        finally:
            await client.aclose()
