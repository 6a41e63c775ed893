"""Proof of visit over real HTTP: a push naming blobs not uploaded applies nothing, device
signatures verify or reject, and photos go only to callers whose scope names them."""

import uuid
from dataclasses import replace

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from shared.proof import b64url, canonical_bytes, sign
from tests.support.blobs import Device, jpeg, noise_png, sha
from tests.test_http_auth import is_problem


@pytest.fixture
def settings(settings, tmp_path):
    return replace(settings, blob_dir=str(tmp_path / "blobs"))


@pytest.fixture
def http(live_url):
    with httpx.Client(base_url=live_url, timeout=30) as client:
        yield client


def new_key() -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key, b64url(raw)


def a_resident(device: Device) -> dict:
    residents = device.get("/api/v1/residents", params={"limit": 5}).json()
    return residents[0]


def checkin(resident_id: str, photos: list[str], signature: str | None = None, **more) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "resident_id": resident_id,
        "at": "2026-11-28T02:00:00Z",
        "seen_in_person": True,
        "wellbeing": "good",
        "notes": "好，精神不错",
        "proof": {
            "photos": photos,
            "signature": signature,
            "location": {
                "lat": 30.6586,
                "lon": 104.0647,
                "accuracy_m": 12.5,
                "at": "2026-11-28T02:00:00Z",
            },
            **more,
        },
    }


def pulled(device: Device, entity: str, record_id: str) -> dict | None:
    cursor, found = None, None
    while True:
        params = {"limit": 5000, **({"cursor": cursor} if cursor else {})}
        page = device.get("/api/v1/sync/pull", params=params).json()
        for change in page["changes"]:
            if change["entity"] == entity and change["id"] == record_id:
                found = change.get("data")
        cursor = page["cursor"]
        if not page["has_more"]:
            return found


def test_a_push_naming_a_blob_not_uploaded_applies_nothing_until_it_is(http):
    worker = Device(http, "worker1")
    resident = a_resident(worker)
    photo, scrawl = jpeg(1), noise_png(12)
    assert worker.put(photo).status_code == 201
    first = checkin(resident["id"], [sha(photo)], sha(scrawl))
    other = checkin(resident["id"], [])
    refused = worker.push(("checkin.record", other), ("checkin.record", first))
    is_problem(refused, 409, "blobs_missing")
    assert refused.json()["missing"] == [sha(scrawl)]
    assert pulled(worker, "checkin", other["id"]) is None  # nothing of the batch
    assert worker.put(scrawl, kind="image/png").status_code == 201
    answer = worker.push(("checkin.record", other), ("checkin.record", first))
    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["applied", "applied"]
    data = pulled(worker, "checkin", first["id"])
    assert data["proof"]["photos"] == [sha(photo)] and data["proof"]["signature"] == sha(scrawl)
    assert data["proof"]["location"]["lat"] == 30.6586
    assert data["signed"] is False
    # A malformed hash is the mutation's own fault: rejected, the rest of the batch applies.
    bad = checkin(resident["id"], ["Z" * 64])
    fine = checkin(resident["id"], [sha(photo)])
    answer = worker.push(("checkin.record", bad), ("checkin.record", fine))
    assert [r["status"] for r in answer.json()["results"]] == ["rejected", "applied"]
    assert answer.json()["results"][0]["error"]["code"] == "invalid_args"


def test_signed_records_verify_and_tampered_ones_are_rejected(http):
    key, public = new_key()
    worker = Device(http, "worker1", public_key=public)
    resident = a_resident(worker)
    photo = jpeg(2)
    assert worker.put(photo).status_code == 201
    good = checkin(resident["id"], [sha(photo)])
    good["proof"]["device_signature"] = sign(key, good)
    tampered = checkin(resident["id"], [sha(photo)])
    tampered["proof"]["device_signature"] = sign(key, tampered)
    tampered["notes"] = "changed after signing"
    _, stranger_key = new_key()
    foreign = checkin(resident["id"], [sha(photo)])
    foreign["proof"]["device_signature"] = sign(Ed25519PrivateKey.generate(), foreign)
    garbage = checkin(resident["id"], [sha(photo)], device_signature="not base64 !")
    visits = [v for v in worker.get("/api/v1/visits").json() if v["status"] == "assigned"]
    visit = visits[0]
    start = {"visit_id": visit["id"], "at": "2026-11-28T01:00:00Z"}
    complete = {
        "visit_id": visit["id"],
        "at": "2026-11-28T02:30:00Z",
        "summary": "已上门",
        "proof": {"photos": [sha(photo)]},
    }
    complete["proof"]["device_signature"] = sign(key, complete)
    results = worker.push(
        ("checkin.record", good),
        ("checkin.record", tampered),
        ("checkin.record", foreign),
        ("checkin.record", garbage),
        ("visit.start", start),
        ("visit.complete", complete),
    ).json()["results"]
    assert [r["status"] for r in results] == [
        "applied",
        "rejected",
        "rejected",
        "rejected",
        "applied",
        "applied",
    ]
    assert {r["error"]["code"] for r in results[1:4]} == {"bad_signature"}
    assert pulled(worker, "checkin", good["id"])["signed"] is True
    assert pulled(worker, "checkin", tampered["id"]) is None
    shown = pulled(worker, "visit", visit["id"])
    assert shown["signed"] is True and shown["proof"]["photos"] == [sha(photo)]
    # The bytes signed are the arguments without the signature, as the contract writes them.
    assert b'"device_signature"' not in canonical_bytes(good)
    assert "好，精神不错".encode() in canonical_bytes(good)


def test_a_bad_public_key_at_login_is_refused(http):
    response = http.post(
        "/api/v1/auth/login",
        json={
            "username": "worker1",
            "password": "demo-pass-2026",
            "device_id": str(uuid.uuid4()),
            "device_public_key": "A" * 44,
        },
    )
    is_problem(response, 400, "invalid_request")


def test_photos_go_only_to_callers_whose_scope_names_them(http):
    worker1 = Device(http, "worker1")
    resident = a_resident(worker1)
    photo, loose = jpeg(3), jpeg(4)
    assert worker1.put(photo).status_code == 201
    assert worker1.put(loose).status_code == 201
    record = checkin(resident["id"], [sha(photo)])
    assert worker1.push(("checkin.record", record)).json()["results"][0]["status"] == "applied"
    url = f"/api/v1/blobs/{sha(photo)}"
    for username in ("worker1", "worker2", "supervisor1", "dispatcher", "admin"):
        answer = (worker1 if username == "worker1" else Device(http, username)).get(url)
        assert answer.status_code == 200, (username, answer.text)
        assert answer.content == photo and answer.headers["content-type"] == "image/jpeg"
        assert "no-store" in answer.headers["cache-control"]
    for username in ("worker3", "mentor1"):
        is_problem(Device(http, username).get(url), 404, "not_found")
    # A blob no record names is nobody's to download, not even its uploader's.
    is_problem(worker1.get(f"/api/v1/blobs/{sha(loose)}"), 404, "not_found")
    is_problem(worker1.get(f"/api/v1/blobs/{sha(b'none')}"), 404, "not_found")
    is_problem(worker1.get("/api/v1/blobs/nothex"), 400, "invalid_request")
    is_problem(http.get(url), 401, "unauthorized")


def test_the_blob_route_takes_up_to_10_mib_and_the_json_routes_keep_their_limit(http):
    worker = Device(http, "worker1")
    big = noise_png(1800)  # about 9.3 MiB
    assert 9 * 1024 * 1024 < len(big) <= 10 * 1024 * 1024
    assert worker.put(big, kind="image/png").status_code == 201
    assert worker.head(sha(big)).headers["doorstep-received"] == str(len(big))
    # A JSON body of 3 MiB is still refused, on push and elsewhere.
    filler = "x" * (3 * 1024 * 1024)
    push = http.post(
        "/api/v1/sync/push",
        content=b'{"protocol": 1, "pad": "' + filler.encode() + b'"}',
        headers={**worker.headers, "content-type": "application/json"},
    )
    is_problem(push, 413, "payload_too_large")
    login = http.post("/api/v1/auth/login", json={"username": filler})
    is_problem(login, 413, "payload_too_large")


def test_a_proof_names_only_blobs_its_account_sent_or_can_already_read(http):
    """A worker who learns another's photo hash cannot attach that photo to a record of its
    own and then download it: a hash it never sent is answered like an unknown one."""
    worker1, worker2, worker3 = (Device(http, name) for name in ("worker1", "worker2", "worker3"))
    photo = jpeg(21)
    assert worker3.put(photo).status_code == 201  # another community's photo
    own = a_resident(worker1)
    stolen = worker1.push(("checkin.record", checkin(own["id"], [sha(photo)])))
    is_problem(stolen, 409, "blobs_missing")
    assert stolen.json()["missing"] == [sha(photo)]
    assert worker1.head(sha(photo)).status_code == 404  # to worker1, it is not there
    assert worker1.get(f"/api/v1/blobs/{sha(photo)}").status_code == 404
    # Having the bytes is what counts: sending them makes the blob worker1's too.
    assert worker1.put(photo).status_code == 200
    assert worker1.push(("checkin.record", checkin(own["id"], [sha(photo)]))).status_code == 200
    # A record worker2 can read names worker1's new photo: worker2 may name it as well;
    # worker3, in another community, may not.
    mine = jpeg(22)
    assert worker1.put(mine).status_code == 201
    visit = checkin(own["id"], [sha(mine)])
    assert worker1.push(("checkin.record", visit)).json()["results"][0]["status"] == "applied"
    shared = worker2.push(("checkin.record", checkin(own["id"], [sha(mine)])))
    assert shared.status_code == 200 and shared.json()["results"][0]["status"] == "applied"
    elsewhere = a_resident(worker3)
    is_problem(
        worker3.push(("checkin.record", checkin(elsewhere["id"], [sha(mine)]))),
        409,
        "blobs_missing",
    )
