"""Special funds: assistance from a mentor's phone charged to its community's fund, totals
rolled up the tree, `over_budget`, spending and budgets by hand, and who may see what."""

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from server.errors import Refusal
from server.funds import service as funds
from server.funds.tables import Fund, FundEntry
from shared.funds import fund_year, to_fen
from tests.support.server import database_state

C01, C02, S01 = "D01-S01-C01", "D01-S01-C02", "D01-S01"


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def this_year() -> int:
    return fund_year(datetime.now(UTC))


def assistance(resident_id: str, amount: float | None, kind: str = "慰问金") -> tuple[str, dict]:
    return (
        "assistance.log",
        {
            "id": str(uuid.uuid4()),
            "resident_id": resident_id,
            "at": now_iso(),
            "kind": kind,
            "amount_cny": amount,
            "description": "节日慰问",
        },
    )


async def mentor_and_family(api):
    mentor = await api.login("mentor1")
    residents = (await mentor.get("/api/v1/residents")).json()
    assert residents, "mentor1 mentors at least one family"
    return mentor, residents[0]["id"]


async def fund(session, code: str, year: int | None = None) -> dict:
    response = await session.get(
        "/api/v1/funds", params={"org_unit": code, "year": year or this_year()}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def leave_only(admin, code: str, remaining_cny: float) -> dict:
    """Sets the unit's budget so that exactly `remaining_cny` is left this year."""
    spent = (await fund(admin, code))["spent_cny"]
    body = {"org_unit": code, "year": this_year(), "budget_cny": spent + remaining_cny}
    response = await admin.client.put("/api/v1/funds/budget", json=body, headers=admin.headers)
    assert response.status_code == 200, response.text
    assert response.json()["remaining_cny"] == remaining_cny
    return response.json()


async def test_assistance_with_an_amount_is_charged_to_the_community_fund(api):
    mentor, resident = await mentor_and_family(api)
    supervisor = await api.login("supervisor1")
    before = await fund(supervisor, C01)
    assert before["budget_cny"] == 100_000 and before["level"] == "community"
    logged = assistance(resident, 500.5)
    answer = (await mentor.push(logged, assistance(resident, None, "陪同就医"))).json()
    assert [r["status"] for r in answer["results"]] == ["applied", "applied"]
    after = await fund(supervisor, C01)
    assert after["spent_cny"] == before["spent_cny"] + 500.5
    assert after["remaining_cny"] == after["budget_cny"] - after["spent_cny"]
    entry = after["entries"][0]
    assert entry["source"] == "assistance" and entry["source_id"] == logged[1]["id"]
    assert entry["category"] == "assistance" and entry["amount_cny"] == 500.5
    assert entry["note"] == "慰问金" and entry["recorded_by_name"] == "党员 赵志刚"
    # A replay of the same mutation is a duplicate: charged once.
    mentor.seq -= 2
    replay = (await mentor.push(logged, assistance(resident, None))).json()
    assert {r["status"] for r in replay["results"]} == {"duplicate"}
    assert (await fund(supervisor, C01))["spent_cny"] == after["spent_cny"]


async def test_the_totals_roll_up_the_tree(api):
    admin = await api.login("admin")
    mentor, resident = await mentor_and_family(api)
    await mentor.push(assistance(resident, 800))
    district = await fund(admin, "D01")
    sub = await fund(admin, S01)
    community = await fund(admin, C01)
    # A subdistrict: its own fund, plus each community with the subtree's totals.
    assert sub["budget_cny"] == 1_000_000
    assert [c["org_unit"] for c in sub["children"]][:2] == [C01, C02]
    assert sub["total"]["spent_cny"] == round(
        sub["spent_cny"] + sum(c["spent_cny"] for c in sub["children"]), 2
    )
    assert sub["total"]["budget_cny"] == 1_000_000 + 100_000 * len(sub["children"])
    mine = next(c for c in sub["children"] if c["org_unit"] == C01)
    assert mine["spent_cny"] == community["spent_cny"]
    # The district: 15 subdistricts, each with its subtree; the total holds them all.
    assert len(district["children"]) == 15
    assert district["total"]["budget_cny"] == 15 * 1_000_000 + 99 * 100_000
    assert district["total"]["spent_cny"] == round(
        district["spent_cny"] + sum(c["spent_cny"] for c in district["children"]), 2
    )
    assert next(c for c in district["children"] if c["org_unit"] == S01) == {
        "org_unit": S01,
        "name": sub["name"],
        "level": "subdistrict",
        "budget_cny": sub["total"]["budget_cny"],
        "spent_cny": sub["total"]["spent_cny"],
        "remaining_cny": sub["total"]["remaining_cny"],
    }


async def test_assistance_over_budget_is_rejected_and_changes_nothing(api):
    admin = await api.login("admin")
    mentor, resident = await mentor_and_family(api)
    await leave_only(admin, C01, 600)
    results = (
        await mentor.push(
            assistance(resident, 500), assistance(resident, 200), assistance(resident, 100)
        )
    ).json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["error"]["code"] == "over_budget"
    after = await fund(admin, C01)
    assert after["remaining_cny"] == 0
    # The rejected assistance does not exist anywhere.
    records, _ = await mentor.pull_all()
    amounts = [d["amount_cny"] for (entity, _), d in records.items() if entity == "assistance"]
    assert 200 not in amounts and 500 in amounts and 100 in amounts
    # A fund at zero takes no more, however small; without an amount it is not charged.
    results = (await mentor.push(assistance(resident, 0.01), assistance(resident, None))).json()
    assert [r["status"] for r in results["results"]] == ["rejected", "applied"]


async def test_spending_by_hand_and_budgets(api):
    supervisor = await api.login("supervisor1")
    admin = await api.login("admin")
    body = {"org_unit": C01, "amount_cny": 1234.56, "category": "activities", "note": "重阳节"}
    created = await supervisor.post("/api/v1/funds/entries", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["amount_cny"] == 1234.56 and created.json()["source"] == "api"
    left = (await fund(supervisor, C01))["remaining_cny"]
    state = await database_state(api)
    too_much = await supervisor.post("/api/v1/funds/entries", json={**body, "amount_cny": left + 1})
    assert too_much.status_code == 409 and too_much.json()["code"] == "over_budget"
    for bad in (
        {**body, "category": "yacht"},
        {**body, "amount_cny": -5},
        {**body, "amount_cny": 0},
        {**body, "amount_cny": 0.001},
        {**body, "at": "1971-01-01T00:00:00Z"},
        {**body, "org_unit": "D01-S09-C01"},
        {**body, "extra": 1},
    ):
        response = await supervisor.post("/api/v1/funds/entries", json=bad)
        assert response.status_code in (400, 404, 422), (bad, response.text)
    assert await database_state(api) == state
    # Budgets: never below what is spent; a supervisor never sets its own.
    spent = (await fund(admin, C01))["spent_cny"]
    url = "/api/v1/funds/budget"
    low = {"org_unit": C01, "year": this_year(), "budget_cny": spent - 1}
    response = await admin.client.put(url, json=low, headers=admin.headers)
    assert response.status_code == 409 and response.json()["code"] == "budget_below_spent"
    own = {"org_unit": C01, "year": this_year(), "budget_cny": 200_000}
    response = await supervisor.client.put(url, json=own, headers=supervisor.headers)
    assert response.status_code == 403
    response = await admin.client.put(url, json=own, headers=admin.headers)
    assert response.status_code == 200 and response.json()["budget_cny"] == 200_000
    # Every change is in the audit trail.
    trail = (await admin.get("/api/v1/audit", params={"limit": 20})).json()
    actions = {entry["action"] for entry in trail}
    assert {"fund.spend", "fund.budget"} <= actions


async def test_a_fund_is_read_only_by_managers_of_its_unit(api):
    supervisor = await api.login("supervisor1")
    worker = await api.login("worker1")
    mentor = await api.login("mentor1")
    for session, code, status in (
        (supervisor, C01, 200),
        (supervisor, C02, 404),
        (supervisor, S01, 404),
        (supervisor, "D01", 404),
        (supervisor, "NOPE", 404),
        (worker, C01, 403),
        (mentor, C01, 403),
    ):
        response = await session.get("/api/v1/funds", params={"org_unit": code})
        assert response.status_code == status, (session.username, code, response.text)
    response = await supervisor.get("/api/v1/funds", params={"org_unit": C01, "year": 99999})
    assert response.status_code == 400
    # Another year: the standing budget, nothing spent.
    other = await fund(supervisor, C01, 2031)
    assert other["year"] == 2031 and other["spent_cny"] == 0 and other["budget_cny"] == 100_000


async def test_two_charges_at_once_do_not_both_pass_when_one_fits(api):
    """Two transactions charge one fund at the same moment: the first holds its row until it
    commits; the second, re-checked after, is refused. On PostgreSQL the second waits on the
    row lock; on SQLite on the single writer."""
    runtime = api.runtime
    async with runtime.sessions() as session, session.begin():
        unit_id = await session.scalar(
            Fund.__table__.select()
            .with_only_columns(Fund.org_unit_id)
            .where(Fund.year == this_year())
            .limit(1)
        )
        row = await session.scalar(
            Fund.__table__.select()
            .with_only_columns(Fund.id)
            .where(Fund.org_unit_id == unit_id, Fund.year == this_year())
        )
        await session.execute(
            Fund.__table__.update()
            .where(Fund.id == row)
            .values(budget_fen=Fund.spent_fen + to_fen(1000))
        )
    first_charged = asyncio.Event()
    outcomes: list[str] = []

    async def spend(hold: bool) -> None:
        if not hold:
            await first_charged.wait()
        try:
            async with runtime.sessions() as session, session.begin():
                await funds.charge(
                    session, None, unit_id, to_fen(600), datetime.now(UTC), "other", "", "api"
                )
                if hold:
                    first_charged.set()
                    await asyncio.sleep(0.3)  # the other one tries now
            outcomes.append("applied")
        except Refusal as refusal:
            outcomes.append(refusal.code)

    await asyncio.gather(spend(True), spend(False))
    assert sorted(outcomes) == ["applied", "over_budget"]
    async with runtime.sessions() as session:
        budget, spent = (
            await session.execute(select(Fund.budget_fen, Fund.spent_fen).where(Fund.id == row))
        ).one()
        charged = (
            await session.scalars(
                select(FundEntry.amount_fen).where(
                    FundEntry.fund_id == row, FundEntry.source == "api"
                )
            )
        ).all()
    assert charged == [to_fen(600)] and budget - spent == to_fen(400)
