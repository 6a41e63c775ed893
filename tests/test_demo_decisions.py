"""The demo district holds a request of each kind that waits for a decision (issue 22): a
department's 延期申请 and its 退回 in the district's queue of decisions, and a request in 复核
after an unsatisfied 回访, each where a new user of that role looks for it. Both databases."""

import re

from tests.test_console_words import _assert_words, _console


async def _demo_request(who, words: str) -> dict:
    """The demo's request whose description says `words`, in full (timeline, extensions)."""
    listed = (await who.get("/api/v1/requests", params={"limit": 200})).json()
    found = [r for r in listed if r["description"] == words]
    assert len(found) == 1, [r["description"] for r in listed]
    return (await who.get(f"/api/v1/requests/{found[0]['id']}")).json()


async def test_the_demo_has_an_extension_and_a_return_waiting_for_the_district(api):
    dispatcher = await api.login("dispatcher")
    extension = await _demo_request(dispatcher, "小区地下主管道渗漏，需开挖更换")
    returned = await _demo_request(dispatcher, "楼前井盖下有燃气味，疑似燃气管道")
    assert extension["status"] == "in_progress"
    assert [(e["days"], e["status"]) for e in extension["extensions"]] == [(3, "pending")]
    assert returned["status"] == "return_review" and returned["level"] == "district"

    # The district's dispatcher sees both on /console/levels/, each with its decision form.
    client = await _console(api, "dispatcher", "zh")
    queue = (await client.get("/console/levels/")).text
    _assert_words(queue, "zh", "the demo's queue of decisions")
    waiting = queue.split('id="waiting"', 1)[1].split("</table>", 1)[0]
    for shown, form in ((extension, "extension_decision"), (returned, "return_decision")):
        row = re.search(rf'<tr data-number="{shown["number"]}">(.*?)</tr>', waiting, re.S)
        assert row is not None, (shown["number"], waiting)
        assert f'class="inline {form}"' in row[1]
    assert "申请延期 3 个工作日" in waiting

    # The department sees on the request's page that its asks wait.
    water = await _console(api, "dept_water", "zh")
    page = (await water.get(f"/console/requests/{extension['id']}")).text
    assert 'class="extension-pending"' in page and "待审批" in page
    page = (await water.get(f"/console/requests/{returned['id']}")).text
    assert re.search(r'id="status">退单审核中<', page)


async def test_the_demo_has_a_request_in_review_after_an_unsatisfied_callback(api):
    dispatcher = await api.login("dispatcher")
    review = await _demo_request(dispatcher, "楼道灯坏了，晚上老人看不清台阶")
    assert (review["status"], review["level"], review["reopened"]) == (
        "dispatched",
        "community",
        1,
    )
    assert [(c["reached"], c["satisfied"]) for c in review["callbacks"]] == [(True, False)]
    assert review["repeat_of"] is None and review["urges"] == 0
    reopened = [e for e in review["timeline"] if e["action"] == "reopened"]
    assert reopened[-1]["params"]["reason"] == "unsatisfied_callback"

    # The community's supervisor finds it in the queue and reads why it came back.
    client = await _console(api, "supervisor1", "zh")
    queue = (await client.get("/console/")).text
    assert review["number"] in queue
    page = (await client.get(f"/console/requests/{review['id']}")).text
    _assert_words(page, "zh", "the demo's request in review")
    assert "回访不满意，转复核" in page and 'id="assign"' in page
