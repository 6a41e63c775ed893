"""Phones charging one fund while offline, then syncing at once, over real HTTP: the fund
never goes below zero — when only one charge fits, exactly one is accepted — and the ledger
always adds up to what was spent."""

import threading
import uuid
from datetime import UTC, datetime

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.funds import fund_year, to_cny, to_fen
from tests.support.phones import make_phone
from tests.support.server import PASSWORD

C01 = "D01-S01-C01"


def _login(http: httpx.Client, username: str) -> dict[str, str]:
    device = str(uuid.uuid4())
    body = {"username": username, "password": PASSWORD, "device_id": device}
    answer = http.post("/api/v1/auth/login", json=body)
    assert answer.status_code == 200, answer.text
    return {"authorization": f"Bearer {answer.json()['access_token']}", "device": device}


def _set_budget(http, admin, year: int, budget_cny: float) -> None:
    body = {"org_unit": C01, "year": year, "budget_cny": budget_cny}
    answer = http.put("/api/v1/funds/budget", json=body, headers=_auth(admin))
    assert answer.status_code == 200, answer.text


def _auth(session: dict[str, str]) -> dict[str, str]:
    return {"authorization": session["authorization"]}


def _fund(http, admin, year: int) -> dict:
    answer = http.get("/api/v1/funds", params={"org_unit": C01, "year": year}, headers=_auth(admin))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _all_at_once(jobs) -> None:
    """Runs the jobs in threads released together."""
    gate = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def run(job):
        gate.wait()
        try:
            job()
        except BaseException as error:  # reported below, in the test's own thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures


def test_two_phones_offline_charging_one_fund_only_one_fits(tmp_path, live_url):
    year = fund_year(datetime.now(UTC))
    with (
        httpx.Client(base_url=live_url, timeout=30) as http,
        httpx.Client(base_url=live_url, timeout=30) as http_a,
        httpx.Client(base_url=live_url, timeout=30) as http_b,
    ):
        admin = _login(http, "admin")
        spent = _fund(http, admin, year)["spent_cny"]
        _set_budget(http, admin, year, spent + 600)
        phones = [make_phone(tmp_path, http_a, "mentor1"), make_phone(tmp_path, http_b, "mentor1")]
        for phone in phones:
            phone.sync()
        family = phones[0].store.all("resident")[0]["id"]
        # Offline, each phone gives ¥500: each fits alone, both together do not.
        for phone in phones:
            phone.store.record(
                "assistance.log",
                {
                    "id": str(uuid.uuid4()),
                    "resident_id": family,
                    "at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                    "kind": "慰问金",
                    "amount_cny": 500.0,
                    "description": "春节慰问",
                },
            )
        reports = {}
        _all_at_once([lambda p=p: reports.__setitem__(id(p), p.sync()) for p in phones])
        applied = sum(r.applied for r in reports.values())
        rejected = [x for r in reports.values() for x in r.rejected]
        assert applied == 1 and len(rejected) == 1, reports
        assert rejected[0]["error"]["code"] == "over_budget"
        after = _fund(http, admin, year)
        assert after["remaining_cny"] == 100
        assert after["spent_cny"] == round(sum(e["amount_cny"] for e in after["entries"]), 2)


def test_no_interleaving_of_charges_overspends_a_fund(live_url):
    """Random budgets, amounts and batches from three devices pushing at once: spent never
    passes the budget, the ledger sums to spent, and it holds exactly the applied charges."""
    with httpx.Client(base_url=live_url, timeout=30) as http:
        admin = _login(http, "admin")
        devices = [_login(http, "mentor1") for _ in range(3)]
        seqs = {d["device"]: 0 for d in devices}
        family = http.get("/api/v1/residents", headers=_auth(devices[0])).json()[0]["id"]
        years = iter(range(2040, 2100))

        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(
            budget_fen=st.integers(min_value=1, max_value=200_000),
            plans=st.lists(
                st.lists(
                    st.tuples(st.integers(min_value=1, max_value=120_000), st.integers(1, 3)),
                    min_size=1,
                    max_size=5,
                ),
                min_size=2,
                max_size=3,
            ),
        )
        def check(budget_fen: int, plans: list[list[tuple[int, int]]]) -> None:
            year = next(years)
            _set_budget(http, admin, year, to_cny(budget_fen))
            sent: dict[str, int] = {}
            outcome: dict[str, str] = {}

            def push_all(device: dict[str, str], plan: list[tuple[int, int]]) -> None:
                with httpx.Client(base_url=live_url, timeout=30) as own:
                    batch: list[dict] = []
                    for index, (amount_fen, batch_size) in enumerate(plan):
                        seqs[device["device"]] += 1
                        args = {
                            "id": str(uuid.uuid4()),
                            "resident_id": family,
                            "at": f"{year}-06-01T04:00:00Z",
                            "kind": "慰问金",
                            "amount_cny": to_cny(amount_fen),
                            "description": "",
                        }
                        sent[args["id"]] = amount_fen
                        batch.append(
                            {
                                "seq": seqs[device["device"]],
                                "name": "assistance.log",
                                "args": args,
                                "hlc": f"{1_800_000_000_000 + seqs[device['device']]:013d}:00000:t",
                            }
                        )
                        if len(batch) >= batch_size or index == len(plan) - 1:
                            body = {
                                "protocol": 1,
                                "device_id": device["device"],
                                "mutations": batch,
                            }
                            answer = own.post("/api/v1/sync/push", json=body, headers=_auth(device))
                            assert answer.status_code == 200, answer.text
                            for mutation, result in zip(
                                batch, answer.json()["results"], strict=True
                            ):
                                outcome[mutation["args"]["id"]] = result["status"]
                                if result["status"] == "rejected":
                                    assert result["error"]["code"] == "over_budget"
                            batch = []

            _all_at_once(
                [lambda d=d, p=p: push_all(d, p) for d, p in zip(devices, plans, strict=False)]
            )
            after = _fund(http, admin, year)
            applied = {i for i, status in outcome.items() if status == "applied"}
            assert to_fen(after["spent_cny"]) <= budget_fen
            assert to_fen(after["spent_cny"]) == sum(sent[i] for i in applied)
            assert sum(to_fen(e["amount_cny"]) for e in after["entries"]) == to_fen(
                after["spent_cny"]
            )
            assert {e["source_id"] for e in after["entries"]} == applied
            # Whatever was refused would not have fitted in what was left at the end.
            refused = [sent[i] for i, status in outcome.items() if status == "rejected"]
            assert all(amount > budget_fen - to_fen(after["spent_cny"]) for amount in refused)

        check()
