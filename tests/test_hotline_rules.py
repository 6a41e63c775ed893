"""The hotline's rules as the API, the console and the phone meet them: unplaced requests,
who may be given work, the typed answers, the dashboard's SQL, and visits not knowing requests."""

import ast
import uuid
from datetime import timedelta
from pathlib import Path
from statistics import median

from sqlalchemy import select

from server.auth.passwords import hash_password
from server.auth.tables import User
from server.clock import utcnow
from server.hotline import service as hotline
from server.hotline.schemas import RequestRecordPublic
from server.hotline.tables import HotlineRequest
from server.org.tables import OrgUnit
from shared.permissions import Actor
from tests.test_hotline import elderly_resident, leaking_pipe
from tests.test_http_auth import is_problem

ROOT = Path(__file__).resolve().parent.parent


async def _supervisor_at(api, code: str, username: str):
    async with api.runtime.sessions() as session, session.begin():
        unit = await session.scalar(select(OrgUnit).where(OrgUnit.code == code))
        session.add(
            User(
                username=username,
                display_name=username,
                role="supervisor",
                org_unit_id=unit.id,
                password_hash=hash_password("pw-pw-pw", 1024, 1),
            )
        )
    return await api.login(username, "pw-pw-pw")


async def test_unplaced_requests_are_seen_at_district_level_only(api):
    dispatcher = await api.login("dispatcher")
    unplaced = (
        await dispatcher.post(
            "/api/v1/requests",
            json={
                "channel": "web",
                "caller_name": "钱先生",
                "caller_phone": "13900001111",
                "address": "不在任何社区的地址",
                "category_code": "environment.sanitation",
                "description": "楼道堆放垃圾",
            },
        )
    ).json()
    assert unplaced["community"] is None and unplaced["community_id"] is None
    sub = await _supervisor_at(api, "D01-S01", "sub1")
    district_supervisor = await _supervisor_at(api, "D01", "chief")
    for caller, sees in ((dispatcher, True), (district_supervisor, True), (sub, False)):
        listed = {r["id"] for r in (await caller.get("/api/v1/requests")).json()}
        assert (unplaced["id"] in listed) is sees
        one = await caller.get(f"/api/v1/requests/{unplaced['id']}")
        assert one.status_code == (200 if sees else 404)
    # The sync scope asks the same rule.
    from server.sync.scope import belongs

    async with api.runtime.sessions() as session:
        row = await session.get(HotlineRequest, uuid.UUID(unplaced["id"]))
        units = {u.id: u for u in (await session.scalars(select(OrgUnit))).all()}
        for caller, sees in ((dispatcher, True), (sub, False)):
            actor = Actor(
                uuid.UUID(caller.user["id"]),
                caller.user["role"],
                units[uuid.UUID(caller.user["org_unit"]["id"])].path,
            )
            assert belongs(actor, "request", row, units, utcnow()) is sees
    # Nobody may be given it before it is placed.
    assert (await dispatcher.get(f"/api/v1/requests/{unplaced['id']}/assignees")).json() == []


async def test_only_field_staff_of_the_community_are_given_work(api):
    dispatcher = await api.login("dispatcher")
    resident = await elderly_resident(api)
    rid = (await leaking_pipe(api, dispatcher, resident))["id"]
    await dispatcher.post(f"/api/v1/requests/{rid}/dispatch", json={})
    assignees = (await dispatcher.get(f"/api/v1/requests/{rid}/assignees")).json()
    assert {a["role"] for a in assignees} <= {"worker", "mentor"}
    names = {a["display_name"] for a in assignees}
    worker1, worker3 = await api.login("worker1"), await api.login("worker3")
    supervisor = await api.login("supervisor1")
    assert worker1.user["display_name"] in names
    assert worker3.user["display_name"] not in names
    for outsider in (worker3, supervisor):  # another community; a manager
        refused = await dispatcher.post(
            f"/api/v1/requests/{rid}/assign", json={"assignee_id": outsider.user["id"]}
        )
        is_problem(refused, 403, "out_of_scope")
    # Visits follow the same rule: a supervisor is not given a visit.
    visit = await supervisor.post(
        "/api/v1/visits",
        json={
            "resident_id": resident["id"],
            "kind": "checkin",
            "assignee_id": supervisor.user["id"],
        },
    )
    is_problem(visit, 403, "out_of_scope")
    given = await dispatcher.post(
        f"/api/v1/requests/{rid}/assign", json={"assignee_id": worker1.user["id"]}
    )
    assert given.status_code == 200, given.text
    step = given.json()["timeline"][-1]
    assert step["action"] == "assigned" and step["actor_code"] == "user"
    assert step["params"]["assignee_name"] == worker1.user["display_name"]


async def test_answers_are_typed_and_the_feed_reuses_the_struct(api):
    schema = (await api.client.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]
    detail = next(v for k, v in components.items() if k.endswith("RequestDetailPublic"))
    assert {"number", "status", "community", "due_at", "timeline"} <= set(detail["properties"])
    board = next(v for k, v in components.items() if k.endswith("DashboardPublic"))
    assert {"overall", "by_category", "by_community"} <= set(board["properties"])

    worker = await api.login("worker1")
    records, _ = await worker.pull_all()
    requests = [data for (entity, _), data in records.items() if entity == "request" and data]
    assert requests
    fields = set(RequestRecordPublic.__struct_fields__)
    for data in requests:
        assert set(data) == fields
        # What the phone reads of a request, and times in RFC 3339 UTC.
        assert data["number"] and data["visit_id"] and data["due_at"].endswith("Z")


async def test_the_dashboard_counts_what_the_list_holds(api):
    dispatcher = await api.login("dispatcher")
    resident = await elderly_resident(api)
    await leaking_pipe(api, dispatcher, resident)
    async with api.runtime.sessions() as session, session.begin():
        await hotline.escalate_overdue(session, utcnow() + timedelta(hours=3))
    now = utcnow()
    board = (await dispatcher.get("/api/v1/dashboard")).json()
    async with api.runtime.sessions() as session:
        rows = (await session.scalars(select(HotlineRequest))).all()
        units = {u.id: u for u in (await session.scalars(select(OrgUnit))).all()}
    assert board["overall"]["total"] == len(rows)
    assert board["overall"]["open"] == sum(r.status != "closed" for r in rows)
    assert board["overall"]["overdue"] == sum(hotline.is_overdue(r, now) for r in rows)
    ratings = [r.rating for r in rows if r.rating is not None]
    assert board["overall"]["rated"] == len(ratings)
    assert board["overall"]["satisfaction"] == round(sum(ratings) / len(ratings), 2)
    home = [r for r in rows if r.community_id and units[r.community_id].name == "和平春晖社区"]
    hours = [(r.resolved_at - r.received_at).total_seconds() / 3600 for r in home if r.resolved_at]
    figures = board["by_community"]["和平春晖社区"]
    assert figures["total"] == len(home)
    assert figures["median_hours_to_resolve"] == round(median(hours), 1)
    assert sum(f["total"] for f in board["by_level"].values()) == len(rows)
    assert sum(f["total"] for f in board["by_subdistrict"].values()) == len(rows)
    worker = await api.login("worker1")
    is_problem(await worker.get("/api/v1/dashboard"), 403, "forbidden")


def test_visits_do_not_import_requests():
    for path in (ROOT / "server" / "visits").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.startswith("server.hotline") for n in names), path


async def test_what_a_caller_types_never_runs_as_a_formula(api):
    dispatcher = await api.login("dispatcher")
    created = await dispatcher.post(
        "/api/v1/requests",
        json={
            "channel": "phone",
            "caller_name": '=HYPERLINK("http://x.example","点我")',
            "caller_phone": "13900003333",
            "address": "+建设路1号",
            "category_code": "info.resident",
            "description": "咨询",
        },
    )
    assert created.status_code == 201, created.text
    csv_text = (await dispatcher.get("/api/v1/requests/export.csv")).text
    row = next(line for line in csv_text.splitlines() if created.json()["number"] in line)
    assert "'=HYPERLINK" in row and ",'+建设路1号," in row
