"""Open311 as outside apps use it: every endpoint in XML (the spec's default) with the spec's
element names, discovery, tokens, the place a client gave kept and answered back, the api_key
from the query string, the spec's error list for every error (a 500 too), CORS for the
configured origins; and a real GeoReport client library from PyPI against the live server."""

import asyncio
import hashlib
import io
from xml.etree import ElementTree

import httpx
import pytest

from server.clock import utcnow
from server.open311 import keys, service
from tests.support.live import live_server
from tests.support.server import make_settings
from tests.test_open311 import FIELDS, SPEC_POST


async def _key(api, name: str = "map-app") -> str:
    async with api.runtime.sessions() as session, session.begin():
        return await keys.create(session, name, utcnow())


def _xml(response: httpx.Response, root: str) -> ElementTree.Element:
    assert response.headers["content-type"].startswith("text/xml"), response.text
    tree = ElementTree.fromstring(response.content)
    assert tree.tag == root, response.text
    return tree


def _xml_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    (error,) = _xml(response, "errors")
    assert error.tag == "error" and error.findtext("code") == str(status)
    assert error.findtext("description")


async def test_every_endpoint_answers_in_xml_with_the_spec_elements(api):
    client = api.client
    discovery = _xml(await client.get("/open311/v2/discovery.xml"), "discovery")
    (endpoint,) = discovery.find("endpoints")
    assert endpoint.tag == "endpoint" and endpoint.findtext("url").endswith("/open311/v2")
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert (await client.get("/open311/v2/discovery.json")).json()["endpoints"][0]["formats"]

    services = _xml(await client.get("/open311/v2/services.xml"), "services")
    water = next(s for s in services if s.findtext("service_code") == "repair.water")
    assert water.tag == "service" and water.findtext("metadata") == "false"
    definition = _xml(
        await client.get("/open311/v2/services/repair.water.xml"), "service_definition"
    )
    assert definition.findtext("service_code") == "repair.water"

    key = await _key(api)
    filed = await client.post("/open311/v2/requests.xml", data={"api_key": key, **SPEC_POST})
    assert filed.status_code == 201, filed.text
    (receipt,) = _xml(filed, "service_requests")
    number = receipt.findtext("service_request_id")
    assert receipt.tag == "request" and number
    (one,) = _xml(await client.get(f"/open311/v2/requests/{number}.xml"), "service_requests")
    assert {child.tag for child in one} == FIELDS
    assert one.findtext("lat") == SPEC_POST["lat"] and one.findtext("long") == SPEC_POST["long"]
    listed = _xml(await client.get("/open311/v2/requests.xml"), "service_requests")
    assert number in {r.findtext("service_request_id") for r in listed}
    (token,) = _xml(await client.get(f"/open311/v2/tokens/{number}.xml"), "service_requests")
    assert token.findtext("service_request_id") == number and token.findtext("token") == number
    (by_token,) = (await client.get(f"/open311/v2/tokens/{number}.json")).json()
    assert by_token == {"service_request_id": number, "token": number}

    _xml_error(await client.get("/open311/v2/services/nope.xml"), 404)
    _xml_error(await client.get("/open311/v2/requests/999999.xml"), 404)
    _xml_error(await client.get("/open311/v2/tokens/nope.xml"), 404)
    _xml_error(await client.post("/open311/v2/requests.xml", data=SPEC_POST), 403)
    _xml_error(await client.get("/open311/v2/requests.xml?status=lost"), 400)


async def test_the_place_a_client_gives_is_kept_and_the_key_may_be_in_the_query(api):
    key = await _key(api)
    place = {**SPEC_POST, "lat": "31.2304", "long": "121.4737", "address_id": "SH-0001"}
    filed = await api.client.post(f"/open311/v2/requests.json?api_key={key}", data=place)
    assert filed.status_code == 201, filed.text
    number = filed.json()[0]["service_request_id"]
    (one,) = (await api.client.get(f"/open311/v2/requests/{number}.json")).json()
    assert (one["lat"], one["long"], one["address_id"]) == (31.2304, 121.4737, "SH-0001")
    assert one["media_url"] == SPEC_POST["media_url"]  # the spec's argument, kept as given
    listed = (await api.client.get("/open311/v2/requests.json")).json()
    assert next(r for r in listed if r["service_request_id"] == number)["lat"] == 31.2304
    # Only an address id: kept too, and taken as the place.
    only_id = {"service_code": "repair.water", "address_id": "SH-0002", "api_key": key}
    filed = await api.client.post("/open311/v2/requests.json", data=only_id)
    assert filed.status_code == 201, filed.text
    number = filed.json()[0]["service_request_id"]
    (one,) = (await api.client.get(f"/open311/v2/requests/{number}.json")).json()
    assert (one["lat"], one["long"], one["address_id"]) == (None, None, "SH-0002")
    for url in ("javascript:alert(1)", "http://x/\nInjected: 1", "https://" + "a" * 500):
        bad = await api.client.post(
            "/open311/v2/requests.json", data={**place, "api_key": key, "media_url": url}
        )
        assert bad.status_code == 400 and bad.json()[0]["code"] == 400, url
    # A wrong key in the query is refused like one in the form.
    refused = await api.client.post("/open311/v2/requests.json?api_key=nope", data=place)
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403


async def test_a_500_is_the_spec_error_list_in_either_format(api, monkeypatch):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("the catalogue is gone")

    monkeypatch.setattr(service, "services", broken)
    answer = await api.client.get("/open311/v2/services.json")
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == [{"code": 500, "description": "Something went wrong on the server."}]
    assert "catalogue" not in answer.text
    _xml_error(await api.client.get("/open311/v2/services.xml"), 500)


def test_cors_for_the_configured_origins_only(database_url):
    allowed = "https://map.example.org"
    settings = make_settings(database_url, open311_cors_origins=(allowed,))
    with live_server(settings) as base:
        seen = httpx.get(f"{base}/open311/v2/services.json", headers={"origin": allowed})
        assert seen.headers["access-control-allow-origin"] == allowed
        missing = httpx.get(f"{base}/open311/v2/requests/nope.json", headers={"origin": allowed})
        assert missing.status_code == 404
        assert missing.headers["access-control-allow-origin"] == allowed
        other = httpx.get(f"{base}/open311/v2/services.json", headers={"origin": "https://x.io"})
        assert "access-control-allow-origin" not in other.headers
        api = httpx.get(f"{base}/health", headers={"origin": allowed})
        assert "access-control-allow-origin" not in api.headers


def test_a_georeport_client_library_reads_it_in_json_and_xml(settings):
    georeport = pytest.importorskip("georeport", reason="georeport (a dev dependency) is missing")
    from server.db.sessions import create_engine_for, session_factory

    async def make_key() -> str:
        engine = create_engine_for(settings.database_url)
        try:
            async with session_factory(engine)() as session, session.begin():
                return await keys.create(session, "georeport", utcnow())
        finally:
            await engine.dispose()

    key = asyncio.run(make_key())
    with live_server(settings) as base:
        filed = httpx.post(f"{base}/open311/v2/requests.json", data={"api_key": key, **SPEC_POST})
        number = filed.json()[0]["service_request_id"]
        for output in ("json", "xml"):
            client = georeport.GeoReport(f"{base}/open311/v2", output_format=output)
            services = client.get_service_list()
            assert any(s["service_code"] == "repair.water" for s in services), output
            definition = client.get_service_definition("repair.water")
            assert definition["service_code"] == "repair.water"
            listed = client.get_service_requests(service_code="repair.water", status="open")
            listed = listed if isinstance(listed, list) else [listed]
            assert number in {r["service_request_id"] for r in listed}, output
            one = client.get_service_request(number)
            assert one["service_request_id"] == number and one["status"] == "open"
            assert float(one["lat"]) == float(SPEC_POST["lat"]), output


def _jpeg(exif: bool = False, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48), colour)
    out = io.BytesIO()
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "PhoneMaker"
        image.save(out, "JPEG", exif=tags)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


async def test_a_photo_sent_with_a_request_is_checked_kept_and_served(api):
    key = await _key(api)
    photo = _jpeg()
    fields = {**SPEC_POST, "api_key": key}
    fields.pop("media_url")
    filed = await api.client.post(
        "/open311/v2/requests.json", data=fields, files={"media": ("hole.jpg", photo, "image/jpeg")}
    )
    assert filed.status_code == 201, filed.text
    number = filed.json()[0]["service_request_id"]
    (one,) = (await api.client.get(f"/open311/v2/requests/{number}.json")).json()
    assert one["media_url"].endswith(f"/open311/v2/media/{hashlib.sha256(photo).hexdigest()}")
    served = await api.client.get("/" + one["media_url"].split("/", 3)[3])
    assert served.status_code == 200 and served.content == photo
    assert served.headers["content-type"] == "image/jpeg"
    # The same checks as a phone's blob: EXIF refused, not an image refused; nothing filed.
    before = len((await api.client.get("/open311/v2/requests.json")).json())
    for part, status in (
        (("hole.jpg", _jpeg(exif=True), "image/jpeg"), 422),
        (("hole.jpg", b"not a picture at all", "image/jpeg"), 415),
        (("hole.gif", b"GIF89a....", "image/gif"), 415),
    ):
        refused = await api.client.post(
            "/open311/v2/requests.json", data=fields, files={"media": part}
        )
        assert refused.status_code == status, refused.text
        assert refused.json()[0]["code"] == status
    assert len((await api.client.get("/open311/v2/requests.json")).json()) == before
    # A good photo with a request refused for another reason is not kept either.
    other_photo = _jpeg(colour=(30, 200, 30))
    refused = await api.client.post(
        "/open311/v2/requests.json",
        data={**fields, "service_code": "no.such"},
        files={"media": ("x.jpg", other_photo, "image/jpeg")},
    )
    assert refused.status_code == 404
    kept = {p.name for p in api.runtime.settings.blob_root.glob("blobs/*/*/*")}
    assert hashlib.sha256(photo).hexdigest() in kept
    assert hashlib.sha256(other_photo).hexdigest() not in kept
    # Only a photo an Open311 request was filed with is served here.
    other = hashlib.sha256(b"someone else's photo").hexdigest()
    _xml_error(await api.client.get(f"/open311/v2/media/{other}.xml"), 404)
    assert (await api.client.get(f"/open311/v2/media/{other}")).status_code == 404
