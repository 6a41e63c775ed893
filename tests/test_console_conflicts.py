"""The console's conflict log: two people change the same resident's phone offline; the one
whose value lost is named, with both values and the resident, on their supervisor's page (in
both languages), and nowhere outside the area; a worker may not open the page."""

from tests.test_console_words import _console


async def _conflict(api) -> dict:
    """worker1 sets a resident's phone; supervisor1's edit, made earlier offline and sent
    later, loses. Returns the resident."""
    worker = await api.login("worker1")
    supervisor = await api.login("supervisor1")
    visit = (await worker.get("/api/v1/visits")).json()[0]
    resident = (await worker.get(f"/api/v1/residents/{visit['resident_id']}")).json()
    base = {"phone": resident["phone"]}
    sent = await worker.push(
        (
            "resident.update",
            {"id": resident["id"], "fields": {"phone": "13800000001"}, "base": base},
        ),
        hlc="1750000000000:00000:worker1",
    )
    assert sent.json()["results"][0]["status"] == "applied", sent.text
    late = await supervisor.push(
        (
            "resident.update",
            {"id": resident["id"], "fields": {"phone": "13800000002"}, "base": base},
        ),
        hlc="1740000000000:00000:supervisor1",
    )
    assert late.json()["results"][0]["status"] == "applied", late.text
    return resident


async def test_a_supervisor_sees_whose_value_lost_in_their_area(api):
    resident = await _conflict(api)
    cases = (
        ("zh", "冲突记录", "未被保留的值", "电话"),
        ("en", "Conflicts", "Value that lost", "Phone"),
    )
    for lang, title, header, field in cases:
        client = await _console(api, "supervisor1", lang)
        try:
            home = await client.get("/console/")
            assert 'href="/console/conflicts"' in home.text  # in the menu
            page = await client.get("/console/conflicts")
            assert page.status_code == 200
            table = page.text[page.text.index('id="conflicts"') :]
            row = table[table.index("<tr><td>") : table.index("</tr>", table.index("<tr><td>"))]
            # The supervisor's value lost to the worker's later one: both named, in that order.
            lost, kept = row.index("13800000002"), row.index("13800000001")
            assert resident["name"] in row and field in row and lost < kept, row
            assert title in page.text and header in page.text
        finally:
            await client.aclose()


async def test_outside_the_area_and_below_a_manager_nothing_is_shown(api):
    resident = await _conflict(api)
    other = await _console(api, "sup_s02c01", "zh")
    try:
        page = await other.get("/console/conflicts")
        assert page.status_code == 200
        assert resident["name"] not in page.text and "13800000002" not in page.text
    finally:
        await other.aclose()
    worker = await _console(api, "worker1", "zh")
    try:
        refused = await worker.get("/console/conflicts")
        assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
        assert 'href="/console/conflicts"' not in (await worker.get("/console/")).text
    finally:
        await worker.aclose()


async def test_a_bad_page_number_is_a_page_not_a_500(api):
    client = await _console(api, "supervisor1", "en")
    try:
        for offset in ("-1", "x", "99999999999999999999"):
            page = await client.get("/console/conflicts", params={"offset": offset})
            assert page.status_code == 400, offset
            assert "text/html" in page.headers["content-type"]
        assert (await client.get("/console/conflicts", params={"offset": "500"})).status_code == 200
    finally:
        await client.aclose()
