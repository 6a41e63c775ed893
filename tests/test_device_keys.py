"""A device's signing key may change (the app reinstalled): the change is on record with both
keys, and every record signed before keeps the exact text it signed and the key that verified
it, so its signature checks out again later; a tampered record does not."""

import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select

from server.audit.tables import AuditEntry
from server.blobs.proof import verifies_again
from server.visits.tables import Checkin
from shared.proof import b64url, sign
from tests.support.server import PASSWORD, Session


def _key() -> tuple[Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    return key, b64url(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


async def _sign_in(api, device_id: str, public_key: str) -> Session:
    answer = await api.client.post(
        "/api/v1/auth/login",
        json={
            "username": "worker1",
            "password": PASSWORD,
            "device_id": device_id,
            "device_public_key": public_key,
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Session(
        api.client,
        "worker1",
        device_id,
        body["access_token"],
        body["refresh_token"],
        body["user"],
    )


def _signed_checkin(key: Ed25519PrivateKey, resident_id: str, notes: str) -> dict:
    args = {
        "id": str(uuid.uuid4()),
        "resident_id": resident_id,
        "at": "2026-12-01T02:00:00Z",
        "seen_in_person": True,
        "wellbeing": "good",
        "notes": notes,
        "proof": {"photos": []},
    }
    args["proof"]["device_signature"] = sign(key, args)
    return args


async def test_a_changed_key_is_on_record_and_old_records_still_verify(api):
    device = str(uuid.uuid4())
    old_key, old_public = _key()
    phone = await _sign_in(api, device, old_public)
    resident = (await phone.get("/api/v1/residents", params={"limit": 1})).json()[0]["id"]
    before = _signed_checkin(old_key, resident, "老人精神好，签名确认")
    assert (await phone.push(("checkin.record", before))).json()["results"][0]["status"] == (
        "applied"
    )

    # The app is reinstalled: a new key on the same device.
    new_key, new_public = _key()
    phone = await _sign_in(api, device, new_public)
    phone.seq = 1
    stale = _signed_checkin(old_key, resident, "旧钥匙签的")
    fresh = _signed_checkin(new_key, resident, "新钥匙签的")
    results = (await phone.push(("checkin.record", stale), ("checkin.record", fresh))).json()
    assert [r["status"] for r in results["results"]] == ["rejected", "applied"]
    assert results["results"][0]["error"]["code"] == "bad_signature"

    async with api.runtime.sessions() as session:
        changed = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "device.key_changed")
            )
        ).all()
        assert [(e.detail["old_key"], e.detail["new_key"]) for e in changed] == [
            (old_public, new_public)
        ]
        first = await session.get(Checkin, uuid.UUID(before["id"]))
        second = await session.get(Checkin, uuid.UUID(fresh["id"]))
        assert first.signed and first.signing_key == old_public
        assert second.signed and second.signing_key == new_public
        # Both verify again now, each with its own key and the text it signed.
        assert verifies_again(first) and verifies_again(second)
        # A record altered afterwards (its text, or its key swapped) does not.
        first.signed_payload = first.signed_payload.replace("精神好", "精神差")
        assert not verifies_again(first)
        second.signing_key = old_public
        assert not verifies_again(second)
