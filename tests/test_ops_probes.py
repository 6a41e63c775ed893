"""What load balancers and Prometheus ask: `/health` answers while the process runs, `/ready`
only while the database answers with this code's schema, and `/metrics` keeps answering (with
one charset, in a form Prometheus' own parser reads) when the database is gone."""

import asyncio

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from server.ops.probes import latest_migration
from tests.support import databases


async def _figures(api) -> dict[str, float]:
    answer = await api.client.get("/metrics")
    assert answer.status_code == 200, answer.text
    kind = answer.headers["content-type"]
    assert kind.startswith("text/plain") and kind.count("charset") == 1, kind
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


async def _ready_status(api, want: int, tries: int = 10) -> dict:
    """/ready's answer once it is `want` (a pool may first meet a connection the outage cut)."""
    for _ in range(tries):
        answer = await api.client.get("/ready")
        if answer.status_code == want:
            return answer.json()
        await asyncio.sleep(0.2)
    raise AssertionError(f"/ready stayed {answer.status_code}: {answer.text}")


async def test_ready_says_the_schema_and_metrics_say_the_database_is_up(api):
    assert (await api.client.get("/health")).json()["status"] == "ok"
    ready = await api.client.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["schema"] == latest_migration() != ""
    figures = await _figures(api)
    assert figures["doorstep_database_up"] == 1 and "doorstep_feed_version" in figures


async def test_a_schema_behind_the_code_is_not_ready(api):
    async with api.runtime.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0011'"))
    behind = await _ready_status(api, 503)
    assert behind["code"] == "not_ready" and "0011" in behind["detail"]
    assert (await api.client.get("/health")).status_code == 200
    async with api.runtime.engine.begin() as connection:
        await connection.execute(
            text("UPDATE alembic_version SET version_num = :head"), {"head": latest_migration()}
        )
    assert (await _ready_status(api, 200))["status"] == "ready"


async def test_a_database_gone_and_back(api, database_url, request):
    """PostgreSQL: the test's database dropped under the running server, then made again."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's file cannot go away under its open connections (see the schema test)")
    name = database_url.rsplit("/", 1)[1]
    await databases.pg_drop(name)
    gone = await _ready_status(api, 503)
    assert gone["code"] == "not_ready"
    assert (await api.client.get("/health")).status_code == 200
    assert (await _figures(api))["doorstep_database_up"] == 0
    await databases.pg_clone(request.getfixturevalue("postgres_template"), name)
    assert (await _ready_status(api, 200))["status"] == "ready"
    assert (await _figures(api))["doorstep_database_up"] == 1
