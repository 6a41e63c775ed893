"""Decisions of the level above, through the API: a department's return waits for the
district's review (退单审核), a request for more time (延期申请) is asked by the level holding
the request and decided by the level above, moving the due time in working days; the holiday
table an admin keeps; wrong level 403, wrong state 409, a broken rule 422, malformed 400, and
a refusal changes nothing."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.auth.tables import User
from server.clock import utcnow
from server.hotline import service as hotline
from server.hotline.holidays import official_calendar, package_calendar
from server.org.service import all_units
from shared.enums import Role
from shared.permissions import Actor
from shared.workdays import add_working_days

CALL = {
    "channel": "phone",
    "caller_name": "周建国",
    "caller_phone": "13900001111",
    "address": "幸福区某路8号",
    "category_code": "repair.water",
    "description": "厨房水管漏水，地面积水",
}


async def put(who, url: str, **kwargs):
    return await who.client.put(url, headers=who.headers, **kwargs)


async def delete(who, url: str):
    return await who.client.delete(url, headers=who.headers)


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


async def _new(dispatcher, **changes) -> dict:
    made = await dispatcher.post("/api/v1/requests", json={**CALL, **changes})
    assert made.status_code == 201, made.text
    return made.json()


async def test_a_department_return_waits_for_the_districts_review(api):
    dispatcher, water = await api.login("dispatcher"), await api.login("dept_water")
    office, community = await api.login("subdistrict1"), await api.login("supervisor1")
    rid = (await _new(dispatcher))["id"]
    sent = await dispatcher.post(
        f"/api/v1/requests/{rid}/dispatch",
        json={"org_unit_code": "D01-S01-C01", "department_code": "DEP01"},
    )
    assert sent.status_code == 200, sent.text

    # Returned before accepting it: under review, still the department's.
    asked = await water.post(f"/api/v1/requests/{rid}/return", json={"reason": "非供水问题"})
    assert asked.status_code == 200, asked.text
    body = asked.json()
    assert "review" in body["status"] and body["routed_department"]["code"] == "DEP01"
    assert body["timeline"][-1]["action"] == "returned"
    again = await water.post(f"/api/v1/requests/{rid}/return", json={"reason": "x"})
    assert again.status_code == 409
    # Only the district decides; a malformed decision is 400; none of it changes anything.
    for who in (water, office, community):
        refused = await who.post(f"/api/v1/requests/{rid}/return/decision", json={"approve": True})
        assert refused.status_code == 403, (who.user["username"], refused.text)
    for bad in ({"approve": "yes"}, {}, {"approve": True, "extra": 1}):
        malformed = await dispatcher.post(f"/api/v1/requests/{rid}/return/decision", json=bad)
        assert malformed.status_code == 400, malformed.text
    still = (await dispatcher.get(f"/api/v1/requests/{rid}")).json()
    assert (still["status"], still["rev"]) == (body["status"], body["rev"])

    # Refused: back to the department where it was (not yet accepted).
    refused = await dispatcher.post(
        f"/api/v1/requests/{rid}/return/decision",
        json={"approve": False, "reason": "属于供水管网，请办理"},
    )
    assert refused.status_code == 200, refused.text
    back = refused.json()
    assert (back["status"], back["level"]) == ("dispatched", "department")
    assert back["routed_department"]["code"] == "DEP01"
    assert back["timeline"][-1]["action"] == "return_refused"
    twice = await dispatcher.post(f"/api/v1/requests/{rid}/return/decision", json={"approve": True})
    assert twice.status_code == 409

    # Accepted, then returned again: this time the district agrees.
    assert (await water.post(f"/api/v1/requests/{rid}/accept", json={})).status_code == 200
    returned = await water.post(f"/api/v1/requests/{rid}/return", json={"reason": "需社区先核实"})
    assert returned.json()["status"] == "return_review"
    approved = await dispatcher.post(
        f"/api/v1/requests/{rid}/return/decision", json={"approve": True}
    )
    assert approved.status_code == 200, approved.text
    done = approved.json()
    assert (done["status"], done["level"], done["routed_department"]) == (
        "dispatched",
        "community",
        None,
    )
    actions = [e["action"] for e in done["timeline"]]
    assert actions[-4:] == ["return_refused", "accepted", "returned", "return_approved"]
    assert actions.count("returned") == 2
    # Back in the community's queue, and no longer the department's.
    queue = (await community.get("/api/v1/requests", params={"held": True})).json()
    assert rid in {r["id"] for r in queue}
    assert (await water.get(f"/api/v1/requests/{rid}")).status_code == 404


async def test_an_extension_is_asked_by_the_holder_and_decided_above(api):
    dispatcher, water = await api.login("dispatcher"), await api.login("dept_water")
    office, community = await api.login("subdistrict1"), await api.login("supervisor1")
    catalogue = {c["code"]: c for c in (await water.get("/api/v1/catalogue")).json()}
    placement = catalogue["jobs.placement"]
    assert placement["time_limit"] == {"value": 5, "unit": "working_days"}
    assert placement["programme"]["code"] == "jobs" and placement["programme"]["name"]
    assert catalogue["repair.water"]["time_limit"] == {"value": 4, "unit": "hours"}
    assert {c["programme"]["code"] for c in catalogue.values()} <= {
        "household",
        "elderly",
        "jobs",
        "health",
        "mentoring",
        "safety",
        "information",
        "repairs",
    }

    made = await _new(dispatcher, category_code="jobs.placement", description="求职登记")
    rid = made["id"]
    calendar = package_calendar()
    received, due = at(made["received_at"]), at(made["due_at"])
    if all(calendar.covers(y) for y in (received.year, due.year)):
        assert due == add_working_days(calendar, received, 5)
    assert received < at(made["warning_at"]) < due

    # Still at the district: no level above decides on its time.
    top = await dispatcher.post(
        f"/api/v1/requests/{rid}/extension", json={"days": 2, "reason": "需协调"}
    )
    assert top.status_code == 422 and top.json()["code"] == "no_level_above"

    sent = await dispatcher.post(
        f"/api/v1/requests/{rid}/dispatch", json={"department_code": "DEP01"}
    )
    assert sent.json()["level"] == "department"
    for bad in ({"days": 0, "reason": "x"}, {"days": 2, "reason": ""}, {"days": "2"}, {}):
        malformed = await water.post(f"/api/v1/requests/{rid}/extension", json=bad)
        assert malformed.status_code == 400, (bad, malformed.text)
    for who in (dispatcher, office):  # not the level holding it
        refused = await who.post(
            f"/api/v1/requests/{rid}/extension", json={"days": 2, "reason": "x"}
        )
        assert refused.status_code in (403, 404), refused.text
    asked = await water.post(
        f"/api/v1/requests/{rid}/extension", json={"days": 3, "reason": "需协调人社局核实"}
    )
    assert asked.status_code == 201, asked.text
    extension = asked.json()
    assert (extension["status"], extension["days"], extension["level"]) == (
        "pending",
        3,
        "department",
    )
    twice = await water.post(f"/api/v1/requests/{rid}/extension", json={"days": 1, "reason": "y"})
    assert twice.status_code == 409 and twice.json()["code"] == "extension_pending"
    before = (await dispatcher.get(f"/api/v1/requests/{rid}")).json()
    assert before["timeline"][-1]["action"] == "extension_asked"
    assert before["extensions"][-1]["status"] == "pending"
    # The department does not decide its own extension.
    own = await water.post(f"/api/v1/requests/{rid}/extension/decision", json={"approve": True})
    assert own.status_code == 403
    assert (await dispatcher.get(f"/api/v1/requests/{rid}")).json()["due_at"] == made["due_at"]

    approved = await dispatcher.post(
        f"/api/v1/requests/{rid}/extension/decision", json={"approve": True, "reason": "同意"}
    )
    assert approved.status_code == 200, approved.text
    moved = approved.json()
    async with api.runtime.sessions() as session:
        official = await official_calendar(session)
    assert at(moved["due_at"]) == add_working_days(official, due, 3)
    assert at(moved["warning_at"]) > at(made["warning_at"])
    assert moved["timeline"][-1]["action"] == "extension_approved"
    assert moved["extensions"][-1]["status"] == "approved"
    none_left = await dispatcher.post(
        f"/api/v1/requests/{rid}/extension/decision", json={"approve": True}
    )
    assert none_left.status_code == 409 and none_left.json()["code"] == "no_pending_extension"

    # Refused: the due time stays.
    await water.post(f"/api/v1/requests/{rid}/extension", json={"days": 5, "reason": "再延"})
    no = await dispatcher.post(
        f"/api/v1/requests/{rid}/extension/decision", json={"approve": False, "reason": "不同意"}
    )
    assert no.status_code == 200 and no.json()["due_at"] == moved["due_at"]
    assert no.json()["timeline"][-1]["action"] == "extension_refused"

    # Resolved while an extension waits: it can no longer be approved, only refused.
    assert (await water.post(f"/api/v1/requests/{rid}/accept", json={})).status_code == 200
    await water.post(f"/api/v1/requests/{rid}/extension", json={"days": 1, "reason": "再等"})
    assert (
        await water.post(f"/api/v1/requests/{rid}/resolve", json={"note": "已推荐"})
    ).status_code == 200
    late = await dispatcher.post(
        f"/api/v1/requests/{rid}/extension/decision", json={"approve": True}
    )
    assert late.status_code == 409
    assert (await dispatcher.get(f"/api/v1/requests/{rid}")).json()["due_at"] == moved["due_at"]
    closed = await dispatcher.post(
        f"/api/v1/requests/{rid}/extension/decision", json={"approve": False}
    )
    assert closed.status_code == 200 and closed.json()["extensions"][-1]["status"] == "refused"

    # A community's request: its subdistrict decides, not the district.
    other = (await _new(dispatcher))["id"]
    await dispatcher.post(
        f"/api/v1/requests/{other}/dispatch", json={"org_unit_code": "D01-S01-C01"}
    )
    worker = (await community.get(f"/api/v1/requests/{other}/assignees")).json()[0]
    given = await community.post(
        f"/api/v1/requests/{other}/assign", json={"assignee_id": worker["id"]}
    )
    assert given.status_code == 200, given.text
    asked = await community.post(
        f"/api/v1/requests/{other}/extension", json={"days": 1, "reason": "等配件"}
    )
    assert asked.status_code == 201, asked.text
    wrong = await dispatcher.post(
        f"/api/v1/requests/{other}/extension/decision", json={"approve": True}
    )
    assert wrong.status_code == 403
    right = await office.post(
        f"/api/v1/requests/{other}/extension/decision", json={"approve": True}
    )
    assert right.status_code == 200, right.text
    # Its worker's visit is due when the request is, later than before.
    assert right.json()["due_at"] > given.json()["due_at"]
    visit = (await community.get(f"/api/v1/visits/{right.json()['visit_id']}")).json()
    assert visit["due_at"] == right.json()["due_at"]
    # The office's queue of decisions had it; now it is decided.
    async with api.runtime.sessions() as session:
        user = await session.scalar(select(User).where(User.username == "subdistrict1"))
        units = await all_units(session)
        actor = Actor(user.id, Role(user.role), units[user.org_unit_id].path)
        assert other not in {str(r.id) for r in await hotline.pending_decisions(session, actor)}


async def test_the_holiday_table_is_kept_by_an_admin_and_moves_due_times(api):
    admin, dispatcher = await api.login("admin"), await api.login("dispatcher")
    shown = (await dispatcher.get("/api/v1/holidays")).json()
    assert 2026 in shown["package_years"] and shown["days"] == []
    for who in (dispatcher, await api.login("supervisor1")):
        refused = await put(who, "/api/v1/holidays/2027-01-01", json={"workday": False})
        assert refused.status_code == 403
    assert (
        await put(admin, "/api/v1/holidays/1999-01-01", json={"workday": False})
    ).status_code == 422
    assert (
        await put(admin, "/api/v1/holidays/2027-13-01", json={"workday": False})
    ).status_code in (
        400,
        404,
    )
    assert (await put(admin, "/api/v1/holidays/2027-01-01", json={"name": "x"})).status_code == 400

    # A request received on Monday 28 December 2026 with 5 working days: 2027 is unknown to the
    # package, so 1 January counts as a working day until the admin enters the notice.
    received = datetime(2026, 12, 28, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    async def due_of() -> datetime:
        async with api.runtime.sessions() as session, session.begin():
            user = await session.scalar(select(User).where(User.username == "dispatcher"))
            units = await all_units(session)
            actor = Actor(user.id, Role(user.role), units[user.org_unit_id].path)
            made = await hotline.create(
                session, actor, {**CALL, "category_code": "jobs.placement"}, received
            )
            return made.due_at

    if not package_calendar().covers(2027):
        assert (await due_of()).astimezone(ZoneInfo("Asia/Shanghai")).day == 4
    entered = await put(
        admin, "/api/v1/holidays/2027-01-01", json={"workday": False, "name": "元旦"}
    )
    assert entered.status_code == 200 and entered.json() == {
        "day": "2027-01-01",
        "workday": False,
        "name": "元旦",
    }
    assert (await due_of()).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat() == "2027-01-05"
    listed = (await dispatcher.get("/api/v1/holidays", params={"year": 2027})).json()
    assert [d["day"] for d in listed["days"]] == ["2027-01-01"]
    assert 2027 not in listed["unknown_years"]
    assert (await delete(admin, "/api/v1/holidays/2027-01-01")).status_code == 204
    assert (await delete(admin, "/api/v1/holidays/2027-01-01")).status_code == 404


async def test_the_console_asks_decides_and_shows_the_pace(api):
    """The request page shows 剩余/预警/已超时 and the extension form to the holding level; the
    level above finds it in its queue of decisions and approves there; a department's return
    is decided from the district's queue. Both languages; a bad form is a page."""
    from tests.support.server import database_state
    from tests.test_console_words import _assert_words, _console

    dispatcher, water = await api.login("dispatcher"), await api.login("dept_water")
    rid = (await _new(dispatcher, category_code="jobs.placement", description="求职"))["id"]
    await dispatcher.post(f"/api/v1/requests/{rid}/dispatch", json={"department_code": "DEP01"})

    def csrf(text: str) -> str:
        return re.search(r'name="_csrf_token" value="([0-9a-f]+)"', text)[1]

    for lang, left in (("zh", "剩余"), ("en", "left")):
        page = await (await _console(api, "dept_water", lang)).get(f"/console/requests/{rid}")
        assert page.status_code == 200 and 'id="extension"' in page.text
        assert re.search(rf'id="pace">[^<]*{left}', page.text), page.text
        _assert_words(page.text, lang, "request page")
    client = await _console(api, "dept_water", "zh")
    page = (await client.get(f"/console/requests/{rid}")).text
    before = await database_state(api)
    bad = await client.post(
        f"/console/levels/requests/{rid}/extension",
        data={"days": "0", "reason": "x", "_csrf_token": csrf(page)},
    )
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html")
    assert await database_state(api) == before
    asked = await client.post(
        f"/console/levels/requests/{rid}/extension",
        data={"days": "2", "reason": "等待人社局核实", "_csrf_token": csrf(page)},
    )
    assert asked.status_code == 303, asked.text[:300]

    office = await _console(api, "dispatcher", "zh")
    queue = (await office.get("/console/levels/")).text
    assert 'id="waiting"' in queue and "申请延期 2 个工作日" in queue
    due_before = (await dispatcher.get(f"/api/v1/requests/{rid}")).json()["due_at"]
    decided = await office.post(
        f"/console/levels/requests/{rid}/extension_decision",
        data={
            "approve": "true",
            "reason": "同意",
            "_csrf_token": csrf(queue),
            "next": "/console/levels/",
        },
    )
    assert decided.status_code == 303, decided.text[:300]
    after = (await dispatcher.get(f"/api/v1/requests/{rid}")).json()
    assert after["due_at"] > due_before and after["extensions"][-1]["status"] == "approved"
    page = (await office.get(f"/console/requests/{rid}")).text
    assert "延期已批准" in page and "已批准" in page

    # A department's return, refused from the district's queue: back to the department.
    assert (await water.post(f"/api/v1/requests/{rid}/accept", json={})).status_code == 200
    await water.post(f"/api/v1/requests/{rid}/return", json={"reason": "非本部门职责"})
    queue = (await office.get("/console/levels/")).text
    assert "退单审核中" in queue and "return_decision" in queue
    refused = await office.post(
        f"/console/levels/requests/{rid}/return_decision",
        data={"approve": "false", "reason": "请继续办理", "_csrf_token": csrf(queue)},
    )
    assert refused.status_code == 303, refused.text[:300]
    back = (await dispatcher.get(f"/api/v1/requests/{rid}")).json()
    assert (back["status"], back["level"]) == ("in_progress", "department")
    # A department may not decide: a page, nothing changed.
    page = (await client.get(f"/console/requests/{rid}")).text
    before = await database_state(api)
    wrong = await client.post(
        f"/console/levels/requests/{rid}/return_decision",
        data={"approve": "true", "_csrf_token": csrf(page)},
    )
    assert wrong.status_code in (403, 409) and "返回" in wrong.text
    assert await database_state(api) == before


async def test_the_admin_enters_a_notice_in_the_console_and_the_dashboard_warns_until_then(api):
    from tests.support.server import database_state
    from tests.test_console_words import _assert_words, _console

    admin = await _console(api, "admin", "zh")
    gaps = [y for y in (utcnow().year, utcnow().year + 1) if not package_calendar().covers(y)]
    board = (await admin.get("/console/dashboard")).text
    assert ('id="calendar-warning"' in board) == bool(gaps)
    for lang in ("zh", "en"):
        page = await (await _console(api, "admin", lang)).get("/console/admin/holidays")
        assert page.status_code == 200 and 'id="add-holiday"' in page.text
        _assert_words(page.text, lang, "holidays page")
    catalogue = (await admin.get("/console/admin/catalogue")).text
    assert catalogue.count('class="programme"') == 8 and "5 个工作日" in catalogue
    page = (await admin.get("/console/admin/holidays")).text
    token = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', page)[1]
    before = await database_state(api)
    bad = await admin.post(
        "/console/admin/holidays", data={"day": "2027-02-30", "_csrf_token": token}
    )
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html")
    assert await database_state(api) == before
    for year in gaps or [2027]:
        entered = await admin.post(
            "/console/admin/holidays",
            data={"day": f"{year}-01-01", "workday": "false", "name": "元旦", "_csrf_token": token},
        )
        assert entered.status_code == 303, entered.text[:300]
    page = (await admin.get("/console/admin/holidays")).text
    assert 'data-day="2027-01-01"' in page or gaps and f'data-day="{gaps[0]}-01-01"' in page
    assert 'id="calendar-warning"' not in (await admin.get("/console/dashboard")).text
    # A supervisor reads the page but may not change it.
    supervisor = await _console(api, "supervisor1", "zh")
    page = (await supervisor.get("/console/admin/holidays")).text
    assert 'id="add-holiday"' not in page
    refused = await supervisor.post(
        "/console/admin/holidays",
        data={
            "day": "2027-10-01",
            "_csrf_token": re.search(r'name="_csrf_token" value="([0-9a-f]+)"', page)[1],
        },
    )
    assert refused.status_code == 403 and "返回" in refused.text
