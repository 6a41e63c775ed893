"""Open311 GeoReport v2 as the spec writes its requests: the service list, a POST with the
spec's example arguments, GET with its filters, a request by id, errors in the spec's shape,
API keys from the command line; and no caller's name or phone in any GET answer."""

from datetime import timedelta

import httpx
from sqlalchemy import select, update

from server import cli
from server.clock import utcnow
from server.hotline.tables import HotlineRequest
from server.open311 import keys

# The spec's example POST (service_code is one of ours; the rest as the spec writes it).
SPEC_POST = {
    "jurisdiction_id": "city.gov",
    "service_code": "repair.water",
    "lat": "37.76524078",
    "long": "-122.4212043",
    "address_string": "1234 5th street",
    "email": "smit333@sfgov.edu",
    "device_id": "tt222111",
    "account_id": "123456",
    "first_name": "john",
    "last_name": "smith",
    "phone": "111111111",
    "description": "A large sinkhole is destroying the street",
    "media_url": "http://api.sfgov.org/images/1234.jpg",
}
FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


async def _key(api, name: str = "12345-app") -> str:
    async with api.runtime.sessions() as session, session.begin():
        return await keys.create(session, name, utcnow())


def _spec_error(response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    (error,) = response.json()
    assert error["code"] == status and error["description"]


async def test_services_and_a_service_definition(api):
    services = (await api.client.get("/open311/v2/services.json")).json()
    water = next(s for s in services if s["service_code"] == "repair.water")
    assert set(water) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert water["metadata"] is False and water["type"] == "realtime"
    assert water["service_name"] == "供水管道维修" and "小时" in water["description"]
    english = (await api.client.get("/open311/v2/services.json?lang=en")).json()
    assert any(s["service_name"] == "Water pipe repair" for s in english)
    definition = await api.client.get("/open311/v2/services/repair.water.json")
    assert definition.json() == {"service_code": "repair.water", "attributes": []}
    _spec_error(await api.client.get("/open311/v2/services/nope.json"), 404)
    _spec_error(await api.client.get("/open311/v2/services/repair.water.csv"), 404)


async def test_the_spec_example_post_then_get_it_back(api):
    key = await _key(api)
    filed = await api.client.post("/open311/v2/requests.json", data={"api_key": key, **SPEC_POST})
    assert filed.status_code == 201, filed.text
    (receipt,) = filed.json()
    assert set(receipt) == {"service_request_id", "service_notice", "account_id"}
    number = receipt["service_request_id"]

    (one,) = (await api.client.get(f"/open311/v2/requests/{number}.json")).json()
    assert set(one) == FIELDS
    assert one["status"] == "open" and one["service_code"] == "repair.water"
    assert one["description"] == SPEC_POST["description"]
    assert one["address"] == "1234 5th street"
    assert one["agency_responsible"] and one["service_notice"]
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert one[field].endswith("+08:00"), one[field]  # ISO 8601 with the offset
    assert one["expected_datetime"] > one["requested_datetime"]
    text = str(one)
    for private in ("john", "smith", "111111111", "smit333"):
        assert private not in text

    # The spec's example GET: a month of open requests in 2010 holds none of ours.
    spec_get = await api.client.get(
        "/open311/v2/requests.json",
        params={
            "start_date": "2010-05-24T00:00:00Z",
            "end_date": "2010-06-24T00:00:00Z",
            "status": "open",
        },
    )
    assert spec_get.status_code == 200 and spec_get.json() == []
    today = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    open_now = (
        await api.client.get(
            "/open311/v2/requests.json", params={"start_date": today, "status": "open"}
        )
    ).json()
    assert number in {r["service_request_id"] for r in open_now}
    closed = (await api.client.get("/open311/v2/requests.json", params={"status": "closed"})).json()
    assert number not in {r["service_request_id"] for r in closed}
    assert all(r["status"] == "closed" for r in closed)
    by_code = (
        await api.client.get("/open311/v2/requests.json", params={"service_code": "elderly.care"})
    ).json()
    assert all(r["service_code"] == "elderly.care" for r in by_code)


async def test_get_filters_defaults_and_no_personal_data(api):
    async with api.runtime.sessions() as session:
        rows = (await session.scalars(select(HotlineRequest))).all()
    callers = {r.caller_name for r in rows} | {r.caller_phone for r in rows if r.caller_phone}
    numbers = [r.number for r in rows]
    everything = await api.client.get("/open311/v2/requests.json")
    assert everything.status_code == 200
    listed = everything.json()
    assert {r["service_request_id"] for r in listed} == set(numbers)
    text = everything.text
    assert not [c for c in callers if c and c in text]
    # A call's address and words stay inside: the community and the category instead.
    phoned = next(r for r in rows if r.channel == "phone")
    shown = next(r for r in listed if r["service_request_id"] == phoned.number)
    assert shown["address"] != phoned.address and phoned.description not in text

    picked = ",".join(numbers[:2])
    two = await api.client.get("/open311/v2/requests.json", params={"service_request_id": picked})
    assert {r["service_request_id"] for r in two.json()} == set(numbers[:2])

    # Without dates: the last 90 days.
    async with api.runtime.sessions() as session, session.begin():
        await session.execute(
            update(HotlineRequest)
            .where(HotlineRequest.number == numbers[0])
            .values(received_at=utcnow() - timedelta(days=100))
        )
    recent = (await api.client.get("/open311/v2/requests.json")).json()
    assert numbers[0] not in {r["service_request_id"] for r in recent}

    _spec_error(await api.client.get("/open311/v2/requests.json?status=pending"), 400)
    _spec_error(await api.client.get("/open311/v2/requests.json?start_date=yesterday"), 400)
    _spec_error(await api.client.get("/open311/v2/requests/999999-9999.json"), 404)
    _spec_error(await api.client.get("/open311/v2/no-such-thing.json"), 404)
    _spec_error(await api.client.delete("/open311/v2/requests.json"), 405)


async def test_api_key_missing_wrong_and_bad_posts(api):
    key = await _key(api)
    before = len((await api.client.get("/open311/v2/requests.json")).json())
    _spec_error(await api.client.post("/open311/v2/requests.json", data=SPEC_POST), 403)
    _spec_error(
        await api.client.post(
            "/open311/v2/requests.json", data={"api_key": "o311_guess", **SPEC_POST}
        ),
        403,
    )
    no_place = {k: v for k, v in SPEC_POST.items() if k not in ("lat", "long", "address_string")}
    _spec_error(
        await api.client.post("/open311/v2/requests.json", data={"api_key": key, **no_place}), 400
    )
    _spec_error(
        await api.client.post(
            "/open311/v2/requests.json",
            data={"api_key": key, **SPEC_POST, "service_code": "no.such"},
        ),
        404,
    )
    _spec_error(
        await api.client.post(
            "/open311/v2/requests.json", data={"api_key": key, **SPEC_POST, "lat": "north"}
        ),
        400,
    )
    assert len((await api.client.get("/open311/v2/requests.json")).json()) == before


def test_keys_from_the_command_line(live_url, settings, monkeypatch, capsys):
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", settings.database_url)
    assert cli.main(["create-api-key", "--name", "城市服务App"]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("o311_") and len(key) > 40
    assert cli.main(["create-api-key", "--name", "城市服务App"]) == 2  # names are unique
    with httpx.Client(base_url=live_url, timeout=30) as client:
        filed = client.post("/open311/v2/requests.json", data={"api_key": key, **SPEC_POST})
        assert filed.status_code == 201, filed.text
        capsys.readouterr()
        assert cli.main(["list-api-keys"]) == 0
        listing = capsys.readouterr().out
        assert "城市服务App" in listing and key not in listing
        assert cli.main(["revoke-api-key", "--name", "城市服务App"]) == 0
        _spec_error(
            client.post("/open311/v2/requests.json", data={"api_key": key, **SPEC_POST}), 403
        )


async def test_phone_numbers_typed_into_a_request_are_masked_in_answers(api):
    key = await _key(api)
    typed = {
        **SPEC_POST,
        "description": "水管爆了，请联系 138 1234 5678 或 +86-10-6512-3456",
        "address_string": "幸福里3号楼 电话13912345678",
    }
    filed = await api.client.post("/open311/v2/requests.json", data={"api_key": key, **typed})
    number = filed.json()[0]["service_request_id"]
    for url in (f"/open311/v2/requests/{number}.json", "/open311/v2/requests.json"):
        answer = next(
            r for r in (await api.client.get(url)).json() if r["service_request_id"] == number
        )
        text = answer["description"] + answer["address"]
        for digits in ("1234", "5678", "6512", "13912345678"):
            assert digits not in text, text
        assert answer["description"].startswith("水管爆了") and "***" in text
