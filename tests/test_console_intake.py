"""Registering a call in the console: a searchable resident picker over every resident, "new
resident" chosen on purpose, look-alike callers asked about (never a second record), an
address that matches no community asked about, and bad values answered with a page."""

import re
from html.parser import HTMLParser

from tests.test_console_words import _console


def _csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([0-9a-f]+)"', html)[1]


async def _form(client, **fields) -> dict:
    queue = await client.get("/console/")
    return {
        "_csrf_token": _csrf(queue.text),
        "channel": "phone",
        "category_code": "repair.water",
        "description": "厨房水管漏水",
        **fields,
    }


async def test_the_resident_search_covers_every_resident(api):
    dispatcher = await api.login("dispatcher")
    everyone = (await dispatcher.get("/api/v1/residents", params={"limit": 1000})).json()
    assert len(everyone) > 300
    client = await _console(api, "dispatcher", "zh")
    try:
        # The last residents by name (beyond any first page) are found by name and by phone.
        for resident in sorted(everyone, key=lambda r: r["name"])[-3:]:
            for text in (resident["name"], resident["phone"]):
                found = await client.get("/console/", params={"q": text})
                assert found.status_code == 200
                picker = found.text.split('id="resident-id"')[1].split("</select>")[0]
                assert resident["id"] in picker, text
    finally:
        await client.aclose()


async def test_a_known_caller_is_asked_about_and_new_is_explicit(api):
    dispatcher = await api.login("dispatcher")
    everyone = (await dispatcher.get("/api/v1/residents", params={"limit": 1000})).json()
    known = next(r for r in everyone if r["phone"] and "和平春晖社区" in r["address"])
    client = await _console(api, "dispatcher", "zh")
    try:
        before = len((await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json())
        form = await _form(
            client,
            caller_name=known["name"],
            caller_phone=known["phone"],
            address=known["address"],
            resident_id="",
        )
        asked = await client.post("/console/requests", data=form)
        assert asked.status_code == 200 and 'id="look-alikes"' in asked.text
        assert known["id"] in asked.text
        after = len((await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json())
        assert after == before  # nothing registered yet
        # Linking the known resident registers the request for them.
        linked = await client.post("/console/requests", data={**form, "resident_id": known["id"]})
        assert linked.status_code == 303
        request_id = linked.headers["location"].rsplit("/", 1)[1]
        shown = (await dispatcher.get(f"/api/v1/requests/{request_id}")).json()
        assert shown["resident_id"] == known["id"]
        # "New resident", chosen on purpose, registers without a question.
        new = await client.post("/console/requests", data={**form, "resident_id": "new"})
        assert new.status_code == 303
    finally:
        await client.aclose()


async def test_assigning_a_call_links_the_known_resident_instead_of_a_duplicate(api):
    dispatcher = await api.login("dispatcher")
    everyone = (await dispatcher.get("/api/v1/residents", params={"limit": 1000})).json()
    known = next(r for r in everyone if r["phone"] and "和平春晖社区" in r["address"])
    made = await dispatcher.post(
        "/api/v1/requests",
        json={
            "channel": "phone",
            "caller_name": known["name"],
            "caller_phone": known["phone"],
            "address": known["address"],
            "category_code": "repair.water",
            "description": "水管漏水",
        },
    )
    request_id = made.json()["id"]
    await dispatcher.post(f"/api/v1/requests/{request_id}/dispatch", json={})
    worker = await api.login("worker1")
    assigned = await dispatcher.post(
        f"/api/v1/requests/{request_id}/assign", json={"assignee_id": worker.user["id"]}
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["resident_id"] == known["id"]
    again = (await dispatcher.get("/api/v1/residents", params={"limit": 1000})).json()
    assert len(again) == len(everyone)


async def test_an_address_matching_no_community_is_asked_about(api):
    client = await _console(api, "dispatcher", "en")
    try:
        form = await _form(
            client,
            caller_name="测试来电人",
            caller_phone="13900000001",
            address="某某路1号",
            resident_id="new",
        )
        asked = await client.post("/console/requests", data=form)
        assert asked.status_code == 200 and 'id="ask-unplaced"' in asked.text
        confirmed = await client.post("/console/requests", data={**form, "confirm_unplaced": "1"})
        assert confirmed.status_code == 303
        page = await client.get(confirmed.headers["location"])
        # The dispatch form has no community chosen for it, and says why.
        assert 'id="unplaced"' in page.text
        assert "<optgroup" in page.text
        form_html = page.text.split('id="dispatch"')[1].split("</form>")[0]
        chosen = re.findall(r'<option value="([^"]*)"\s*selected', form_html)
        assert chosen == [""]  # the "choose a community" prompt, not the first community
        # Dispatching without choosing is refused with a page, not sent to the first one.
        csrf = _csrf(page.text)
        path = confirmed.headers["location"] + "/dispatch"
        refused = await client.post(path, data={"_csrf_token": csrf, "community_code": ""})
        assert refused.status_code == 400 and "text/html" in refused.headers["content-type"]
        assert "community" in refused.text.lower()
    finally:
        await client.aclose()


async def test_bad_values_give_pages_in_the_persons_language(api):
    client = await _console(api, "dispatcher", "zh")
    try:
        form = await _form(client, caller_name="", caller_phone="1", address="x")
        refused = await client.post("/console/requests", data=form)
        assert refused.status_code == 400 and "text/html" in refused.headers["content-type"]
        # Refused inside the form: what was typed kept, the field marked, the menu kept.
        assert 'id="intake"' in refused.text and 'id="nav-queue"' in refused.text
        assert 'id="f-caller_name" aria-invalid="true" aria-describedby="err-caller_name"' in (
            refused.text
        )
        assert 'id="err-caller_name"' in refused.text and 'value="1"' in refused.text
        assert (await client.get("/console/?status=bogus")).status_code == 400
        missing = await client.get("/console/requests/00000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404 and "没有找到" in missing.text
    finally:
        await client.aclose()


class _Fields(HTMLParser):
    """Form fields a person fills (not hidden ones) that no <label> names."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.unlabelled = 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.depth += 1
        elif tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            if not self.depth and not attrs.get("aria-label"):
                self.unlabelled.append(attrs.get("name") or attrs.get("id"))

    def handle_endtag(self, tag):
        if tag == "label":
            self.depth -= 1


async def test_every_field_is_labelled_and_only_field_staff_are_offered(api):
    dispatcher = await api.login("dispatcher")
    found = (await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json()
    dispatched = next(
        r for r in found if r["status"] == "dispatched" and r["community"]["code"] == "D01-S01-C01"
    )
    client = await _console(api, "dispatcher", "zh")
    try:
        pages = ["/console/", "/console/dashboard", f"/console/requests/{dispatched['id']}"]
        pages += [f"/console/requests/{r['id']}" for r in found[:10]]
        for path in pages:
            fields = _Fields()
            fields.feed((await client.get(path)).text)
            assert not fields.unlabelled, (path, fields.unlabelled)
        page = (await client.get(f"/console/requests/{dispatched['id']}")).text
        assign = page.split('id="assign"')[1].split("</form>")[0]
        offered = re.findall(r'<option value="([^"]+)"', assign)
        assignees = (await dispatcher.get(f"/api/v1/requests/{dispatched['id']}/assignees")).json()
        by_id = {a["id"]: a for a in assignees}
        assert set(offered) == set(by_id)  # exactly who may_be_assigned allows
        assert by_id[offered[0]]["role"] == "worker"  # a worker first, not a mentor
        assert "分派" in assign and "分派给网格员" not in assign
        queue = (await client.get("/console/")).text
        assert 'id="filter">筛选<' in queue
    finally:
        await client.aclose()
