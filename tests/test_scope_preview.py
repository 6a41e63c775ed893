"""The scope preview against real phones over loopback HTTP: for each person, the counts it
answers equal what a fresh phone of that person holds after its first sync; and after a
reassignment, what the preview promised is what the phone then holds."""

from collections import Counter

import pytest

from tests.support.phones import make_phone
from tests.support.server import PASSWORD


def held(phone) -> dict[str, int]:
    """Records per entity on the phone after a sync from empty."""
    phone.sync()
    counts = Counter(entity for entity, _ in phone.store.server_copy())
    return {entity: n for entity, n in counts.items() if n}


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {entity: n for entity, n in counts.items() if n}


def admin_headers(http) -> dict[str, str]:
    import uuid

    body = {"username": "admin", "password": PASSWORD, "device_id": str(uuid.uuid4())}
    token = http.post("/api/v1/auth/login", json=body).json()["access_token"]
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize("username", ["worker1", "worker3", "mentor1", "supervisor1"])
def test_the_preview_equals_what_a_fresh_phone_pulls(tmp_path, flaky, username):
    headers = admin_headers(flaky)
    phone = make_phone(tmp_path, flaky, username)
    user_id = phone.store.secret("user")["id"]
    preview = flaky.get(f"/api/v1/users/{user_id}/scope-preview", headers=headers)
    assert preview.status_code == 200, preview.text
    counts = preview.json()
    assert {"resident", "visit", "checkin", "assistance", "service_category"} <= set(counts)
    assert nonzero(counts) == held(phone)
    assert counts["resident"] > 0 and counts["service_category"] > 0


def test_a_reassignment_sends_what_the_preview_said(tmp_path, flaky):
    headers = admin_headers(flaky)
    phone = make_phone(tmp_path, flaky, "worker3")
    user_id = phone.store.secret("user")["id"]
    before = held(phone)
    proposal = {"org_unit_code": "D01-S01-C02"}
    promised = flaky.get(
        f"/api/v1/users/{user_id}/scope-preview", params=proposal, headers=headers
    ).json()
    change = flaky.get(
        f"/api/v1/users/{user_id}/scope-change", params=proposal, headers=headers
    ).json()
    assert nonzero(change["current"]) == before and change["proposed"] == promised
    assert change["arriving"]["resident"] == promised["resident"] > 0
    assert change["leaving"]["resident"] == before["resident"]
    moved = flaky.patch(f"/api/v1/users/{user_id}", json=proposal, headers=headers)
    assert moved.status_code == 200, moved.text
    # The phone's scope changed: its cursor expires, it starts over and holds what was promised.
    fresh = make_phone(tmp_path, flaky, "worker3")
    assert held(fresh) == nonzero(promised)
    phone.sync()
    after = Counter(entity for entity, _ in phone.store.server_copy())
    assert {e: n for e, n in after.items() if n} == nonzero(promised)
    # The preview of the account as it is now agrees too.
    now = flaky.get(f"/api/v1/users/{user_id}/scope-preview", headers=headers).json()
    assert now == promised


def test_a_role_change_preview_for_a_worker_made_supervisor(tmp_path, flaky):
    headers = admin_headers(flaky)
    phone = make_phone(tmp_path, flaky, "worker2")
    user_id = phone.store.secret("user")["id"]
    supervisor = make_phone(tmp_path, flaky, "supervisor1")
    promised = flaky.get(
        f"/api/v1/users/{user_id}/scope-preview", params={"role": "supervisor"}, headers=headers
    ).json()
    # A supervisor of the same community holds the same records, bar the people's own.
    theirs = held(supervisor)
    assert promised["resident"] == theirs["resident"] and promised["visit"] == theirs["visit"]
    refused = flaky.get(
        f"/api/v1/users/{user_id}/scope-preview", params={"role": "overlord"}, headers=headers
    )
    # 400 invalid_request, as the contract and the schema say (it was an undocumented 422).
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_request"
