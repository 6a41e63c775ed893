"""The supervision page: its heading in words, and the missed-visit alerts the API lists, each
in words with the visit's due time in the configured zone."""

from datetime import timedelta

from server.clock import utcnow
from server.plans import service as plans
from shared.localtime import format_local
from tests.test_console_words import _console


async def test_missed_visit_alerts_reach_the_supervision_page(api):
    async with api.runtime.sessions() as session, session.begin():
        raised = await plans.raise_missed(session, utcnow() + timedelta(days=3))
        facts = await plans.alert_facts(session, raised)
    assert raised
    supervisor = await api.login("supervisor1")
    alerts = (await supervisor.get("/api/v1/alerts")).json()
    assert alerts
    for lang in ("zh", "en"):
        client = await _console(api, "supervisor1", lang)
        try:
            page = await client.get("/console/supervise")
            assert page.status_code == 200
            assert ("审核" if lang == "zh" else "Approvals") in page.text.split('id="heading"')[1]
            listed = page.text.split('id="alerts"')[1].split("</table>")[0]
            shown = [f for f in facts if str(f["resident"]) in listed]
            assert len(shown) == len(alerts) >= 1, listed
            for fact in shown:
                assert format_local(fact["due_at"], lang, "Asia/Shanghai") in listed
        finally:
            await client.aclose()


async def test_a_mentor_is_refused_the_supervision_page_as_a_page(api):
    client = await _console(api, "mentor1", "zh")
    try:
        page = await client.get("/console/supervise")
        assert page.status_code == 403
        assert "text/html" in page.headers["content-type"]
        assert "您没有权限" in page.text and 'id="way-back"' in page.text
        queue = await client.get("/console/")
        assert 'href="/console/dashboard"' not in queue.text
        assert 'href="/console/supervise"' not in queue.text
        board = await client.get("/console/dashboard")
        assert board.status_code == 403 and "text/html" in board.headers["content-type"]
    finally:
        await client.aclose()
