"""The resident's rating form (issue 21): nothing is chosen until the resident chooses; a
submit without a choice is refused in words on the same page, the comment kept, and rates
nothing; an explicit choice counts."""

import re

from tests.support.public import REPORT, bring_to_feedback
from tests.support.server import database_state


async def test_the_rating_form_counts_only_an_explicit_choice(api):
    receipt = (await api.client.post("/api/v1/public/requests", json=REPORT)).json()
    token = receipt["tracking_token"]
    await bring_to_feedback(api.client, receipt["number"], "已电话告知：水管已修好")
    page = await api.client.get(f"/public/track/{token}")
    assert page.status_code == 200
    form = page.text.split('id="rating"')[1].split("</form>")[0]
    assert len(re.findall(r'type="radio" name="score"', form)) == 5
    assert "checked" not in form and "selected" not in form and "<select" not in form
    assert "required" in form
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)[1]

    before = await database_state(api)
    refused = await api.client.post(
        f"/public/track/{token}/rating", data={"_csrf_token": csrf, "comment": "师傅很耐心"}
    )
    assert refused.status_code == 400
    assert "请先选择一个评价等级" in refused.text
    assert 'aria-describedby="score-error"' in refused.text
    assert "师傅很耐心</textarea>" in refused.text  # what was typed is kept
    assert 'id="rating"' in refused.text  # the same form, not a dead end
    assert await database_state(api) == before
    shown = (await api.client.get(f"/api/v1/public/requests/{token}")).json()
    assert shown["may_rate"] and shown["status"] == "feedback_given"

    chosen = await api.client.post(
        f"/public/track/{token}/rating",
        data={"_csrf_token": csrf, "score": "4", "comment": "师傅很耐心"},
    )
    assert chosen.status_code == 303
    shown = (await api.client.get(f"/api/v1/public/requests/{token}")).json()
    assert shown["status"] == "closed"
