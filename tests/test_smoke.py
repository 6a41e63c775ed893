"""The first thing a new user does: health, the schema, signing in as every demo account."""

import pytest

from server.demo.seed import DEMO_ACCOUNTS


async def test_health_names_the_database(api, settings):
    response = await api.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": settings.dialect, "version": "0.1.0"}


async def test_openapi_documents_the_contract(api):
    schema = (await api.client.get("/schema/openapi.json")).json()
    for path in (
        "/api/v1/auth/login",
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/devices/{device_id}/revoke",
        "/api/v1/residents",
        "/api/v1/visits",
    ):
        assert path in schema["paths"], path


@pytest.mark.parametrize("username,role,unit", [(u, r.value, c) for u, _, r, c in DEMO_ACCOUNTS])
async def test_every_demo_account_signs_in(api, username, role, unit):
    session = await api.login(username)
    assert session.user["username"] == username
    assert session.user["role"] == role
    assert session.user["org_unit"]["code"] == unit
    me = await session.get("/api/v1/me")
    assert me.json()["device_id"] == session.device_id
