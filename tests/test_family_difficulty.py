"""一帮一 families carry their household's difficulty type (特困供养, 低保, 低保边缘, …): set
through the API and the console by whoever arranges the family's mentoring, shown as words in
both languages where families are shown; an unknown type or the wrong person changes nothing."""

import re

from tests.support.server import database_state
from tests.test_console_words import _assert_words, _console


async def test_a_familys_difficulty_type_is_recorded_and_shown(api):
    supervisor = await api.login("supervisor1")
    families = (await supervisor.get("/api/v1/mentoring/families")).json()
    assert families and all(f["difficulty"] == "" for f in families)
    family = families[0]
    url = f"/api/v1/mentoring/families/{family['resident_id']}/difficulty"

    async def put(who, body):
        return await who.client.put(url, headers=who.headers, json=body)

    others = [await api.login(username) for username in ("worker1", "dept_water")]
    before = await database_state(api)
    unknown = await put(supervisor, {"difficulty": "rich"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_difficulty"
    assert (await put(supervisor, {"difficulty": 3})).status_code == 400
    for other in others:
        refused = await put(other, {"difficulty": "minimum_living"})
        assert refused.status_code in (403, 404), refused.text
    assert await database_state(api) == before

    done = await put(supervisor, {"difficulty": "minimum_living"})
    assert done.status_code == 200 and done.json()["difficulty"] == "minimum_living"
    listed = (await supervisor.get("/api/v1/mentoring/families")).json()
    assert {f["resident_id"]: f["difficulty"] for f in listed}[family["resident_id"]] == (
        "minimum_living"
    )

    for lang, words in (("zh", "低保"), ("en", "Minimum living allowance")):
        client = await _console(api, "supervisor1", lang)
        page = await client.get("/console/mentoring/")
        assert page.status_code == 200 and words in page.text
        _assert_words(page.text, lang, "families")
        detail = await client.get(f"/console/mentoring/{family['resident_id']}")
        assert 'id="set-difficulty"' in detail.text
        _assert_words(detail.text, lang, "family")
    client = await _console(api, "supervisor1", "zh")
    page = (await client.get(f"/console/mentoring/{family['resident_id']}")).text
    token = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', page)[1]
    changed = await client.post(
        f"/console/mentoring/{family['resident_id']}/difficulty",
        data={"difficulty": "near_minimum", "_csrf_token": token},
    )
    assert changed.status_code == 303
    page = (await client.get(f"/console/mentoring/{family['resident_id']}")).text
    assert re.search(r'id="difficulty">低保边缘<', page)
    before = await database_state(api)
    bad = await client.post(
        f"/console/mentoring/{family['resident_id']}/difficulty",
        data={"difficulty": "x" * 30, "_csrf_token": token},
    )
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html")
    assert await database_state(api) == before
    cleared = await put(supervisor, {"difficulty": ""})
    assert cleared.status_code == 200 and cleared.json()["difficulty"] == ""
