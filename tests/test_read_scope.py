"""One scope for every read: each read endpoint of a synced record answers, for every role,
what that role's phone holds as the pull gives it, and wider only where
`shared.permissions.READS_BEYOND_PHONE` says so (then by the record's scope rule alone).

The table: every demo role (worker, mentor, supervisor of a community and of a subdistrict,
dispatcher, admin, department, inspector) × every GET that answers synced records.
"""

import random

from sqlalchemy import select

from server.auth.tables import User
from server.clock import utcnow
from server.db.sessions import create_engine_for, session_factory
from server.org.service import all_units
from server.records import Reader
from server.sync.records import RECORDS
from shared.enums import Role
from shared.permissions import READS_BEYOND_PHONE, Actor

ACCOUNTS = [
    "worker1",
    "worker3",
    "mentor1",
    "supervisor1",
    "subdistrict1",
    "dispatcher",
    "admin",
    "dept_water",
    "inspector1",
]
# The lists of synced records: each answers the reader's whole read scope of its entity.
LISTS = {
    "resident": "/api/v1/residents",
    "visit": "/api/v1/visits",
    "request": "/api/v1/requests",
    "user": "/api/v1/users",
    "org_unit": "/api/v1/org-units",
    "service_category": "/api/v1/catalogue",
}
PAGED = {"resident", "visit", "request"}
# The reads of one record: 200 inside the read scope, the same 404 as a missing one outside.
DETAILS = {
    "resident": "/api/v1/residents/{}",
    "visit": "/api/v1/visits/{}",
    "request": "/api/v1/requests/{}",
}
# Narrower than the read scope by a rule of their own (account management: managers only),
# so held to a subset: a 200 only for a record the role reads.
NARROWER_DETAILS = {"user": "/api/v1/users/{}"}


async def listed(session, entity: str) -> set[str]:
    url, found, offset = LISTS[entity], set(), 0
    while True:
        params = {"limit": 1000, "offset": offset} if entity in PAGED else {}
        response = await session.get(url, params=params)
        assert response.status_code == 200, (session.username, url, response.text)
        page = response.json()
        found |= {row["id"] for row in page}
        if entity not in PAGED or len(page) < 1000:
            return found
        offset += 1000


async def scope_by_rule(settings, username: str, entity: str) -> set[str]:
    """The records of an entity the role reads by the scope rule alone (a wider read)."""
    engine = create_engine_for(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            units = await all_units(session)
            user = await session.scalar(select(User).where(User.username == username))
            actor = Actor(
                user.id, Role(user.role), units[user.org_unit_id].path, None, user.department_id
            )
            readers = Reader.of(actor, units, utcnow())
            record = RECORDS[entity]
            rows = (await session.scalars(select(record.table))).all()
            return {str(row.id) for row in rows if record.sees(actor, row, readers.place)}
    finally:
        await engine.dispose()


def pulled(records: dict, entity: str) -> set[str]:
    return {id_ for (kind, id_), data in records.items() if kind == entity and data is not None}


async def test_every_read_answers_the_phone_scope_or_the_declared_wider_rule(api, settings):
    admin = await api.login("admin")
    everything, _ = await admin.pull_all(limit=5000)
    rng = random.Random(19)
    table = []
    for username in ACCOUNTS:
        session = await api.login(username)
        role = Role((await session.get("/api/v1/me")).json()["role"])
        phone, _ = await session.pull_all(limit=5000)
        for entity in LISTS:
            expected = pulled(phone, entity)
            wider = entity in READS_BEYOND_PHONE.get(role, frozenset())
            if wider:
                expected = await scope_by_rule(settings, username, entity)
                assert pulled(phone, entity) <= expected, (username, entity)
            answered = await listed(session, entity)
            assert answered == expected, (username, entity, len(answered), len(expected))
            table.append((username, entity, len(answered), "wider" if wider else "phone"))

            detail = DETAILS.get(entity) or NARROWER_DETAILS.get(entity)
            if detail is None:
                continue
            inside = rng.sample(sorted(expected), min(10, len(expected)))
            outside_all = sorted(pulled(everything, entity) - expected)
            outside = rng.sample(outside_all, min(10, len(outside_all)))
            for id_ in inside:
                response = await session.get(detail.format(id_))
                if entity in DETAILS:
                    assert response.status_code == 200, (username, entity, id_)
                    assert response.json()["id"] == id_
                else:
                    assert response.status_code in (200, 403, 404), (username, entity)
            for id_ in outside:
                response = await session.get(detail.format(id_))
                assert response.status_code in ((404,) if entity in DETAILS else (403, 404)), (
                    username,
                    entity,
                    id_,
                    response.status_code,
                )
    counts = {(u, e): n for u, e, n, _ in table}
    # The finding of issue 19: a department reads no resident, visit or fellow user beyond
    # its own unit; its requests (the water department's) in every community.
    assert counts[("dept_water", "resident")] == 0
    assert counts[("dept_water", "visit")] == 0
    assert counts[("dept_water", "request")] > 0
    assert counts[("inspector1", "resident")] == counts[("admin", "resident")] > 0


async def test_a_department_reads_a_resident_only_through_its_request(api):
    water = await api.login("dept_water")
    requests = (await water.get("/api/v1/requests", params={"limit": 1000})).json()
    named = [r for r in requests if r.get("resident_id")]
    assert requests
    admin = await api.login("admin")
    resident_id = (
        named[0]["resident_id"]
        if named
        else (await admin.get("/api/v1/residents", params={"limit": 1})).json()[0]["id"]
    )
    refused = await water.get(f"/api/v1/residents/{resident_id}")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert (await water.get("/api/v1/residents", params={"limit": 1000})).json() == []
    # What the request carries is what the department works with.
    one = (await water.get(f"/api/v1/requests/{requests[0]['id']}")).json()
    assert {"caller_name", "caller_phone", "address"} <= set(one)


async def test_lists_over_other_records_stay_inside_the_read_scope(api):
    """The supervision list (requests), the mentoring families (residents) and the visit
    plans (of residents) answer nothing a role does not read."""
    for username in ACCOUNTS:
        session = await api.login(username)
        residents = await listed(session, "resident")
        requests = await listed(session, "request")
        watch = await session.get("/api/v1/supervision")
        if watch.status_code == 200:
            assert {r["id"] for r in watch.json()} <= requests, username
        else:
            assert watch.status_code == 403, username
        families = await session.get("/api/v1/mentoring/families")
        if families.status_code == 200:
            assert {f["resident_id"] for f in families.json()} <= residents, username
        plans = await session.get("/api/v1/visit-plans")
        if plans.status_code == 200:
            assert {p["resident_id"] for p in plans.json()} <= residents, username


def test_every_wider_read_names_a_synced_record():
    """A misspelt entity in READS_BEYOND_PHONE would widen nothing, silently."""
    for role, entities in READS_BEYOND_PHONE.items():
        assert entities <= set(RECORDS), role
