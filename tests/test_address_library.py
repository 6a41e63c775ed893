"""The address library (标准地址库) at work, on both databases: intake places a street address
by the demo's library (street, and number in range) and asks only when it cannot or when two
communities share the street and number; an admin replaces the library from CSV on a console
page, where a bad row is refused with a page naming its line and nothing changes."""

import re

import httpx

from tests.support.server import PASSWORD

CALL = {
    "channel": "phone",
    "caller_name": "周建国",
    "caller_phone": "13812345678",
    "category_code": "repair.water",
    "description": "楼道水管漏水",
}
# The demo's 解放街道 (D01-S07): 解放路 is its first community's; 解放大街 runs through all
# seven, 80 numbers each (server/demo/streets.py).
JIEFANG_1, JIEFANG_2 = "D01-S07-C01", "D01-S07-C02"


async def _console(api, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://doorstep"
    )
    login = await client.get("/console/login")
    await client.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "_csrf_token": _csrf(login.text)},
    )
    return client


def _csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([0-9a-f]+)"', html)[1]


async def _placed(api, address: str) -> str | None:
    dispatcher = await api.login("dispatcher")
    made = await dispatcher.post("/api/v1/requests", json={**CALL, "address": address})
    assert made.status_code == 201, made.text
    community = made.json()["community"]
    return community["code"] if community else None


async def test_intake_places_a_street_address_by_the_library(api):
    assert await _placed(api, "解放路12号") == JIEFANG_1
    assert await _placed(api, "解放路菜市场后身") == JIEFANG_1
    assert await _placed(api, "解放大街100号2单元") == JIEFANG_2
    # The avenue without a number is in seven communities; a street nobody knows, in none.
    assert await _placed(api, "解放大街菜市场") is None
    assert await _placed(api, "月亮湾小区3栋") is None
    # A community's name in the address still places it, before the library is asked.
    assert await _placed(api, "和平春晖社区解放大街100号") == "D01-S01-C01"


async def test_the_console_asks_only_when_the_library_cannot_place(api):
    client = await _console(api, "dispatcher")
    try:
        queue = await client.get("/console/")
        form = {**CALL, "_csrf_token": _csrf(queue.text), "resident_id": "new"}
        placed = await client.post("/console/requests", data={**form, "address": "解放路12号"})
        assert placed.status_code == 303  # registered without a question
        shared = await client.post("/console/requests", data={**form, "address": "解放大街菜市场"})
        assert shared.status_code == 200 and 'id="ask-unplaced"' in shared.text
        named = shared.text.split('id="may-be"')[1].split("</span>")[0]
        assert len(re.findall(r"解放\w{2}社区", named)) == 7
        unknown = await client.post("/console/requests", data={**form, "address": "月亮湾小区"})
        assert 'id="ask-unplaced"' in unknown.text and 'id="may-be"' not in unknown.text
    finally:
        await client.aclose()


async def test_the_dispatch_form_offers_the_communities_sharing_the_street_first(api):
    """An unplaced request on a street seven communities share: the request page's dispatch
    form names the street and the seven, lists them first, then every other community (any
    may still be chosen); a request on an unknown street lists the communities as before."""
    dispatcher = await api.login("dispatcher")
    made = {}
    for address in ("解放大街菜市场后身", "月亮湾小区3栋"):
        answer = await dispatcher.post("/api/v1/requests", json={**CALL, "address": address})
        assert answer.status_code == 201 and answer.json()["community"] is None
        made[address] = answer.json()["id"]
    client = await _console(api, "dispatcher")
    try:
        shown = (await client.get(f"/console/requests/{made['解放大街菜市场后身']}")).text
        form = shown.split('id="dispatch"')[1].split("</form>")[0]
        why = form.split('id="shared-street">')[1].split("</span>")[0]
        assert "地址未能匹配到任何社区" not in form  # it matches seven: the library says so
        assert "标准地址库" in why and "解放大街" in why and "7个社区" in why
        assert 'aria-describedby="shared-street"' in form
        first = form.split('id="candidates">')[1].split("</optgroup>")[0]
        codes = re.findall(r'value="(D01-S07-C0\d)"', first)
        assert codes == [f"D01-S07-C0{i}" for i in range(1, 8)]
        assert "（解放街道）" in first
        # Every other community follows, each once: 99 in all.
        assert len(re.findall(r'<option value="D01-S\d\d-C\d\d"', form)) == 99
        assert "其他社区 · 和平街道" in form
        # Dispatched to one of them from the form.
        sent = await client.post(
            f"/console/requests/{made['解放大街菜市场后身']}/dispatch",
            data={"community_code": JIEFANG_2, "_csrf_token": _csrf(shown)},
        )
        assert sent.status_code == 303
        after = await dispatcher.get(f"/api/v1/requests/{made['解放大街菜市场后身']}")
        assert after.json()["community"]["code"] == JIEFANG_2
        # Nothing known of the street: no group of candidates, the communities as before.
        unknown = (await client.get(f"/console/requests/{made['月亮湾小区3栋']}")).text
        assert 'id="candidates"' not in unknown and 'id="shared-street"' not in unknown
        assert "地址未能匹配到任何社区" in unknown
        assert "其他社区" not in unknown
        # In English, the same words.
        client.cookies.set("doorstep_lang", "en")
        again = await dispatcher.post(
            "/api/v1/requests", json={**CALL, "address": "解放大街菜市场后身"}
        )
        english = (await client.get(f"/console/requests/{again.json()['id']}")).text
        assert "Address library: 解放大街 is shared by 7 communities" in english
        named = english.split('id="candidates">')[1].split("</optgroup>")[0]
        assert "(解放街道)" in named and "（" not in named  # English brackets in English
        assert "Other communities · " in english
    finally:
        await client.aclose()


async def test_the_levels_route_forms_offer_the_communities_sharing_the_street_first(api):
    """The levels' 派往街道或社区 (on the request page and on its own step page) for a request
    on a street seven communities share: the seven first with their subdistrict and the
    sentence saying why, then every unit as before; routing to one of them works."""
    dispatcher = await api.login("dispatcher")
    made = await dispatcher.post("/api/v1/requests", json={**CALL, "address": "解放大街菜市场东门"})
    request_id = made.json()["id"]
    client = await _console(api, "dispatcher")
    try:
        shown = (await client.get(f"/console/requests/{request_id}")).text
        form = shown.split('id="route"')[1].split("</form>")[0]
        assert 'aria-describedby="route-shared-street"' in form
        why = form.split('id="route-shared-street">')[1].split("</p>")[0]
        assert "解放大街" in why and "7个社区" in why
        first = form.split('id="route-candidates">')[1].split("</optgroup>")[0]
        assert re.findall(r'value="(D01-S07-C0\d)"', first) == [
            f"D01-S07-C0{i}" for i in range(1, 8)
        ]
        assert "全部街道和社区" in form
        step = (await client.get(f"/console/levels/requests/{request_id}/route")).text
        first = step.split('id="candidates">')[1].split("</optgroup>")[0]
        assert len(re.findall(r'value="D01-S07-C0\d"', first)) == 7 and "（解放街道）" in first
        assert 'aria-describedby="shared-street"' in step
        # A refused route (its note too long) keeps the unit chosen, in the candidates or not.
        for chosen in ("D01-S01", JIEFANG_1):
            refused = await client.post(
                f"/console/levels/requests/{request_id}/route",
                data={
                    "org_unit_code": chosen,
                    "note": "说" * 4001,  # a note may have 4,000
                    "_csrf_token": _csrf(step),
                    "_form": "step",
                },
            )
            assert refused.status_code == 400, refused.text
            picked = re.findall(r'<option value="([^"]+)" selected', refused.text)
            assert picked == [chosen], (chosen, picked)
        sent = await client.post(
            f"/console/levels/requests/{request_id}/route",
            data={"org_unit_code": JIEFANG_2, "_csrf_token": _csrf(step), "_form": "step"},
        )
        assert sent.status_code == 303, sent.text
        after = await dispatcher.get(f"/api/v1/requests/{request_id}")
        assert after.json()["community"]["code"] == JIEFANG_2
        # A street nobody shares: the route form as before.
        placed = await dispatcher.post("/api/v1/requests", json={**CALL, "address": "解放路12号"})
        plain = (await client.get(f"/console/requests/{placed.json()['id']}")).text
        assert 'id="route-candidates"' not in plain and "全部街道和社区" not in plain
    finally:
        await client.aclose()


def _summary(html: str) -> str:
    return html.split('id="address-summary">')[1].split("</p>")[0]


async def test_an_admin_replaces_the_library_from_csv_and_a_bad_row_changes_nothing(api):
    admin = await _console(api, "admin")
    try:
        shown = await admin.get("/console/admin/addresses/")
        assert shown.status_code == 200
        before = _summary(shown.text)
        assert "99" in before  # the demo's library covers its 99 communities
        csrf = _csrf(shown.text)
        bad = "社区编码,街路巷,起始门牌,终止门牌\nD01-S01-C02,解放路,1,50\nD09-S99-C99,长江路,1,9\n"
        refused = await admin.post(
            "/console/admin/addresses/",
            data={"_csrf_token": csrf},
            files={"file": ("streets.csv", bad.encode("utf-8-sig"), "text/csv")},
        )
        assert refused.status_code == 400
        said = refused.text.split('id="bad-row"')[1].split("</p>")[0]
        assert "第 3 行" in said and "D09-S99-C99" in said
        assert _summary(refused.text) == before
        assert _summary((await admin.get("/console/admin/addresses/")).text) == before
        assert await _placed(api, "解放路12号") == JIEFANG_1

        for wrong, line in [
            ("community_code,street,first,last\nD01-S01-C02,解放路,50,1\n", 2),
            ("community_code,street,first,last\nD01-S01-C02,解放路,1,50\nD01-S01-C03,,1,2\n", 3),
            ("社区,街道\nD01-S01-C02,解放路\n", 1),
            ("community_code,street,first,last\nD01-S01-C02,解放路,一,50\n", 2),
        ]:
            again = await admin.post(
                "/console/admin/addresses/",
                data={"_csrf_token": csrf},
                files={"file": ("streets.csv", wrong.encode(), "text/csv")},
            )
            assert again.status_code == 400
            assert f"第 {line} 行" in again.text.split('id="bad-row"')[1], wrong

        good = (
            "社区编码,街路巷,起始门牌,终止门牌\r\n"
            "D01-S01-C02,解放路,1,50\r\n"
            "D01-S01-C03,解放路,51,\r\n"
            "D01-S02-C01,光华胡同,,\r\n"
        )
        done = await admin.post(
            "/console/admin/addresses/",
            data={"_csrf_token": csrf},
            files={"file": ("streets.csv", good.encode("gb18030"), "text/csv")},
        )
        assert done.status_code == 303
        after = await admin.get(done.headers["location"])
        assert "已导入地址库：3 条记录，2 条街路巷，3 个社区" in after.text
        assert _summary(after.text) == "共 3 条记录，2 条街路巷，覆盖 3 个社区"
        found = await admin.get("/console/admin/addresses/", params={"q": "解放"})
        assert found.text.count('data-code="D01-S01-C0') == 2
        assert await _placed(api, "解放路12号") == "D01-S01-C02"
        assert await _placed(api, "解放路60号") == "D01-S01-C03"
        assert await _placed(api, "光华胡同口") == "D01-S02-C01"
        assert await _placed(api, "解放大街100号") is None  # no longer in the library
    finally:
        await admin.aclose()


async def test_only_a_district_admin_imports_and_a_form_needs_its_token(api):
    dispatcher = await _console(api, "dispatcher")
    admin = await _console(api, "admin")
    good = "community_code,street,first,last\nD01-S01-C02,解放路,1,50\n".encode()
    try:
        page = await dispatcher.get("/console/admin/addresses/")
        if page.status_code == 200:
            assert 'id="import-addresses"' not in page.text
            csrf = _csrf(page.text)
        else:
            csrf = _csrf((await dispatcher.get("/console/")).text)
        tried = await dispatcher.post(
            "/console/admin/addresses/",
            data={"_csrf_token": csrf},
            files={"file": ("streets.csv", good, "text/csv")},
        )
        assert tried.status_code == 403
        forged = await admin.post(
            "/console/admin/addresses/",
            data={"_csrf_token": "0" * 64},
            files={"file": ("streets.csv", good, "text/csv")},
        )
        assert forged.status_code == 403
        assert await _placed(api, "解放路12号") == JIEFANG_1  # unchanged
    finally:
        await dispatcher.aclose()
        await admin.aclose()


async def test_intake_groups_categories_under_the_eight_programmes(api):
    for lang, words in (("zh", "维修与公用事业"), ("en", "Repairs and utilities")):
        client = await _console(api, "dispatcher")
        try:
            client.cookies.set("doorstep_lang", lang)
            queue = await client.get("/console/")
            picker = queue.text.split('name="category_code"')[1].split("</select>")[0]
            first = re.findall(r"<option[^>]*>([^<]*)</option>", picker)[0]
            assert first == {"zh": "请选择", "en": "Choose…"}[lang]
            groups = re.findall(r'<optgroup label="([^"]+)" data-programme="(\w+)"', picker)
            assert len(groups) == 8
            assert [code for _, code in groups][:2] == ["household", "elderly"]
            assert (
                "selected" not in picker
                and "required" in queue.text.split('name="category_code"')[1][:80]
            )
            assert (words, "repairs") in groups
            # Every category sits inside a group, none loose before the first.
            loose = picker.split("<optgroup")[0]
            assert loose.count("<option") == 1
        finally:
            await client.aclose()
