"""A visit with three photos, the resident's signature and a place, from a worker's device to
the supervisor's console over real HTTP: the visit page shows the photos (served with the
API's scope rule), the signature, the place in local time and its distance from home, and
that the device signed it; worker3 gets neither the page nor the photos."""

import re
import uuid
from dataclasses import replace

import httpx
import pytest

from shared.proof import distance_m, sign
from tests.support.blobs import Device, jpeg, noise_png, sha
from tests.support.server import PASSWORD
from tests.test_http_proof import new_key


@pytest.fixture
def settings(settings, tmp_path):
    return replace(settings, blob_dir=str(tmp_path / "blobs"))


def console(base: str, username: str, lang: str) -> tuple[httpx.Client, str]:
    """A browser signed in to the console (already open: close it), and its CSRF token."""
    client = httpx.Client(base_url=base, timeout=30)
    client.cookies.set("doorstep_lang", lang)
    login = client.get("/console/login")
    csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', login.text)[1]
    answer = client.post(
        "/console/login", data={"username": username, "password": PASSWORD, "_csrf_token": csrf}
    )
    assert answer.status_code == 303, answer.text
    queue = client.get("/console/")
    return client, re.search(r'name="_csrf_token" value="([0-9a-f]+)"', queue.text)[1]


def test_a_visit_with_its_proof_reaches_the_console(live_url):
    with httpx.Client(base_url=live_url, timeout=30) as http:
        key, public = new_key()
        worker = Device(http, "worker1", public_key=public)
        mine = worker.get("/api/v1/visits").json()
        visit = next(v for v in mine if v["status"] == "assigned")
        for_request = next(v for v in mine if v["request_id"])
        resident = worker.get(f"/api/v1/residents/{visit['resident_id']}").json()
        assert resident["lat"] is not None and resident["lon"] is not None
        photos = [jpeg(i) for i in range(3)]
        scrawl = noise_png(24)
        for photo in photos:
            assert worker.put(photo).status_code == 201
        assert worker.put(scrawl, kind="image/png").status_code == 201
        place = {
            "lat": resident["lat"] + 0.0003,  # about 33 m north of the home
            "lon": resident["lon"],
            "accuracy_m": 8.0,
            "at": "2026-11-28T02:05:00Z",
        }
        complete = {
            "visit_id": visit["id"],
            "at": "2026-11-28T02:10:00Z",
            "summary": "老人身体尚好",
            "proof": {
                "photos": [sha(p) for p in photos],
                "signature": sha(scrawl),
                "location": place,
            },
        }
        complete["proof"]["device_signature"] = sign(key, complete)
        checkin = {
            "id": str(uuid.uuid4()),
            "resident_id": resident["id"],
            "visit_id": visit["id"],
            "at": "2026-11-28T02:06:00Z",
            "seen_in_person": True,
            "wellbeing": "fair",
            "notes": "腿脚不便",
            "proof": {"photos": [sha(photos[0])], "location": place},
        }
        answer = worker.push(
            ("visit.start", {"visit_id": visit["id"], "at": "2026-11-28T02:00:00Z"}),
            ("checkin.record", checkin),
            ("visit.complete", complete),
        )
        assert [r["status"] for r in answer.json()["results"]] == ["applied"] * 3, answer.text
    expected = round(distance_m(place["lat"], place["lon"], resident["lat"], resident["lon"]))
    assert 30 <= expected <= 36

    supervisor, csrf = console(live_url, "supervisor1", "en")
    listed = supervisor.get("/console/supervise").text
    assert f"/console/visits/{visit['id']}" in listed
    page = supervisor.get(f"/console/visits/{visit['id']}")
    assert page.status_code == 200
    for photo in photos:
        assert f"/console/blobs/{sha(photo)}" in page.text
    assert f"/console/blobs/{sha(scrawl)}" in page.text
    assert f"{expected} m from the resident&#39;s home" in page.text
    assert 'data-signed="true"' in page.text  # the visit
    assert 'data-signed="false"' in page.text  # the check-in was not signed
    assert "28 Nov 10:05" in page.text or "28 Nov 2026 10:05" in page.text  # Shanghai time
    image = supervisor.get(f"/console/blobs/{sha(photos[1])}")
    assert image.status_code == 200 and image.content == photos[1]
    assert supervisor.get(f"/console/blobs/{sha(b'x')}").status_code == 404
    decided = supervisor.post(
        f"/console/visits/{visit['id']}/decide",
        data={"decision": "approve", "_csrf_token": csrf},
    )
    assert decided.status_code == 303
    assert "Approved" in supervisor.get(f"/console/visits/{visit['id']}").text
    # A request's page lists the visits made for it, each leading to its proof.
    request_page = supervisor.get(f"/console/requests/{for_request['request_id']}").text
    assert f"/console/visits/{for_request['id']}" in request_page
    supervisor.close()

    chinese, _ = console(live_url, "supervisor1", "zh")
    page = chinese.get(f"/console/visits/{visit['id']}").text
    assert f"距居民住址 {expected} 米" in page and "设备签名已验证" in page
    chinese.close()

    stranger, _ = console(live_url, "worker3", "en")
    assert stranger.get(f"/console/visits/{visit['id']}").status_code == 404
    assert stranger.get(f"/console/blobs/{sha(photos[0])}").status_code == 404
    assert stranger.get("/console/blobs/not-a-hash").status_code == 400
    stranger.close()
