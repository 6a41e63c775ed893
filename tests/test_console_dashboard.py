"""The dashboard: 满意率 beside the average, every subdistrict, a range of local dates; a bad
date is a page, not a 500."""

from datetime import datetime, timedelta

from server.clock import utcnow
from shared.localtime import to_local
from tests.test_console_words import _console


async def test_satisfaction_rate_every_subdistrict_and_a_date_range(api):
    dispatcher = await api.login("dispatcher")
    board = (await dispatcher.get("/api/v1/dashboard")).json()
    subdistricts = (await dispatcher.get("/api/v1/org-units")).json()
    names = {u["name"] for u in subdistricts if u["level"] == "subdistrict"}
    assert len(names) == 15 and names <= set(board["by_subdistrict"])
    rows = (await dispatcher.get("/api/v1/requests", params={"limit": 1000})).json()
    ratings = [r["rating"] for r in rows if r.get("rating") is not None]
    overall = board["overall"]
    if ratings:
        share = sum(1 for r in ratings if r >= 4) / len(ratings)
        assert abs(overall["satisfaction_rate"] - share) < 0.001
    client = await _console(api, "dispatcher", "zh")
    try:
        page = await client.get("/console/dashboard")
        assert page.status_code == 200 and "满意率" in page.text
        for name in names:
            assert name in page.text
        today = to_local(utcnow(), "Asia/Shanghai").date()
        # Only today's requests (local dates): fewer than all, as many as received today.
        todays = sum(
            1
            for r in rows
            if to_local(datetime.fromisoformat(r["received_at"]), "Asia/Shanghai").date() == today
        )
        ranged = await client.get(
            "/console/dashboard", params={"from": today.isoformat(), "to": today.isoformat()}
        )
        assert ranged.status_code == 200
        assert f'id="kpi-total">{todays}<' in ranged.text
        future = (today + timedelta(days=400)).isoformat()
        empty = await client.get("/console/dashboard", params={"from": future})
        assert 'id="kpi-total">0<' in empty.text
        for bad in (
            {"from": "2026-13-45"},
            {"to": "yesterday"},
            {"from": future, "to": "2020-01-01"},
        ):
            refused = await client.get("/console/dashboard", params=bad)
            assert refused.status_code == 400, bad
            assert "text/html" in refused.headers["content-type"]
            assert "日期" in refused.text
    finally:
        await client.aclose()


async def test_the_api_dashboard_takes_a_range(api):
    dispatcher = await api.login("dispatcher")
    everything = (await dispatcher.get("/api/v1/dashboard")).json()["overall"]["total"]
    assert everything > 0
    later = (utcnow() + timedelta(days=1)).isoformat()
    empty = await dispatcher.get("/api/v1/dashboard", params={"since": later})
    assert empty.status_code == 200 and empty.json()["overall"]["total"] == 0
    whole = await dispatcher.get("/api/v1/dashboard", params={"until": later})
    assert whole.json()["overall"]["total"] == everything
    for bad, status in (
        ({"since": "yesterday"}, 400),
        ({"since": later, "until": "2020-01-01T00:00:00Z"}, 422),  # well-formed, a rule's
    ):
        refused = await dispatcher.get("/api/v1/dashboard", params=bad)
        assert refused.status_code == status, bad
        assert refused.headers["content-type"].startswith("application/problem+json")


async def test_the_dashboard_counts_by_department_in_words(api):
    """The departments' breakdown the API computes is on the page, with the requests sent to no
    department under words, never the API's `none`."""
    admin = await api.login("admin")
    board = (await admin.get("/api/v1/dashboard")).json()
    departments = [name for name in board["by_department"] if name != "none"]
    assert departments, "the demo routes some requests to departments"
    for lang, unrouted in (("zh", "未交部门办理"), ("en", "Not sent to a department")):
        client = await _console(api, "admin", lang)
        try:
            page = await client.get("/console/dashboard")
            assert page.status_code == 200 and 'id="by-department"' in page.text
            for name in departments:
                assert name in page.text
            if "none" in board["by_department"]:
                assert unrouted in page.text
        finally:
            await client.aclose()
