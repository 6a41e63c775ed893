"""`GET /metrics`: the names the contract fixes, what they count, and who may read them."""

import uuid
from dataclasses import replace

import httpx
from prometheus_client.parser import text_string_to_metric_families

from server.clock import utcnow
from server.ops import background
from tests.support.server import Api


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _types(text: str) -> dict[str, str]:
    return {family.name: family.type for family in text_string_to_metric_families(text)}


def _value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_count_requests_syncs_logins_and_escalations(api):
    before = _samples((await api.client.get("/metrics")).text)
    wrong = await api.client.post(
        "/api/v1/auth/login",
        json={"username": "worker1", "password": "not-it", "device_id": str(uuid.uuid4())},
    )
    assert wrong.status_code == 401
    worker = await api.login("worker1")
    records, _ = await worker.pull_all()
    resident = next(data for (entity, _), data in records.items() if entity == "resident")
    pushed = await worker.push(
        (
            "checkin.record",
            {
                "id": str(uuid.uuid4()),
                "resident_id": resident["id"],
                "at": "2026-11-27T09:30:00Z",
                "seen_in_person": True,
                "wellbeing": "good",
                "notes": "",
            },
        ),
        ("visit.start", {"visit_id": str(uuid.uuid4()), "at": "2026-11-27T09:30:00Z"}),
    )
    assert [r["status"] for r in pushed.json()["results"]] == ["applied", "rejected"]
    report = await background.run_round(api.runtime, utcnow())
    assert report.escalated > 0

    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = _samples(response.text)
    types = _types(response.text)
    assert types["doorstep_http_requests"] == "counter"
    assert types["doorstep_http_request_duration_seconds"] == "histogram"
    for name in (
        "doorstep_sync_mutations",
        "doorstep_sync_pull_changes",
        "doorstep_escalations",
        "doorstep_login_failures",
        "doorstep_feed_entries",
        "doorstep_feed_version",
        "doorstep_feed_horizon",
    ):
        assert name in types, name

    def grew(name: str, **labels) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    login = {"method": "POST", "route": "/api/v1/auth/login"}
    assert grew("doorstep_http_requests_total", **login, status="401") == 1
    assert grew("doorstep_http_requests_total", **login, status="200") == 1
    assert grew("doorstep_http_request_duration_seconds_count", **login) == 2
    assert grew("doorstep_login_failures_total", reason="unauthorized") == 1
    assert grew("doorstep_sync_mutations_total", status="applied") == 1
    assert grew("doorstep_sync_mutations_total", status="rejected") == 1
    # A record that left the worker's scope (a request the demo's history escalated) comes as
    # a delete: the puts are the records the pull gave with their data.
    puts = sum(1 for data in records.values() if data is not None)
    assert grew("doorstep_sync_pull_changes_total", op="put") == puts
    assert grew("doorstep_sync_pull_changes_total", op="delete") == len(records) - puts
    assert grew("doorstep_escalations_total") == report.escalated
    assert _value(after, "doorstep_feed_entries") > 0
    assert _value(after, "doorstep_feed_version") > 0


async def _metrics_from(app, client_host: str, **headers) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(client_host, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://doorstep") as client:
        return await client.get("/metrics", headers=headers)


async def test_metrics_only_from_loopback_or_with_the_token(settings):
    async with Api.start(replace(settings, metrics_token="s3cret-scrape-token")) as api:
        assert (await _metrics_from(api.app, "127.0.0.1")).status_code == 200
        outside = await _metrics_from(api.app, "203.0.113.9")
        assert outside.status_code == 403 and outside.json()["code"] == "forbidden"
        wrong = await _metrics_from(api.app, "203.0.113.9", authorization="Bearer guess")
        assert wrong.status_code == 403
        right = await _metrics_from(
            api.app, "203.0.113.9", authorization="Bearer s3cret-scrape-token"
        )
        assert right.status_code == 200 and "doorstep_http_requests_total" in right.text
        # Relayed by a reverse proxy on this machine: loopback, but not a local scraper.
        proxied = await _metrics_from(api.app, "127.0.0.1", **{"x-forwarded-for": "198.51.100.7"})
        assert proxied.status_code == 403


async def test_without_a_token_only_loopback_reads_metrics(api):
    assert (await _metrics_from(api.app, "203.0.113.9")).status_code == 403
    assert (await _metrics_from(api.app, "::1")).status_code == 200
