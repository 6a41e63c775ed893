"""The console's lists at volume (issue 21): with 600 more requests than the demo holds, an old
request is found by its number, the caller's phone and the request's text, and by paging to
the end; page links keep the filters; a reversed date range is said in words; queues put the
most overdue on top, then the nearest due; the district's 本级待办 carries no per-row pickers."""

import re
from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from server.clock import utcnow
from server.hotline.tables import HotlineRequest
from shared.localtime import to_local
from tests.test_console_words import _console

OLD_PHONE = "13900001111"
OLD_TEXT = "地下室积水已有半月无人处理"


async def _seed(api, count: int = 600) -> HotlineRequest:
    """`count` calls over the last eleven months, placed nowhere (the district holds them),
    written as rows at once (intake's own path is tested elsewhere); returns the oldest, which
    has a phone and text of its own."""
    now = utcnow()
    rows = []
    for n in range(count):
        when = now - timedelta(days=330) + timedelta(hours=13 * n)
        rows.append(
            HotlineRequest(
                number=f"{to_local(when):%y%m%d}-9{n:03d}",
                channel="phone",
                caller_name=f"来电人{n:03d}",
                caller_phone=OLD_PHONE if n == 0 else f"1370000{n:04d}",
                address=f"解放路{n}号",
                category_code="repair.water",
                description=OLD_TEXT if n == 0 else f"第{n}号来电：水管漏水",
                status="received",
                level="district",
                received_at=when,
                due_at=when + timedelta(hours=72),
                stage_started_at=when,
            )
        )
    async with api.runtime.sessions() as session, session.begin():
        session.add_all(rows)
    return rows[0]


def _numbers(html: str, table: str) -> list[str]:
    body = html.split(f'id="{table}"')[1].split("</table>")[0]
    return re.findall(r'data-number="([^"]+)"', body) or re.findall(
        r"/console/requests/[0-9a-f-]{36}\">([^<]+)</a>", body
    )


async def test_an_old_request_is_found_by_search_and_by_paging(api):
    oldest = await _seed(api)
    client = await _console(api, "dispatcher", "zh")
    try:
        first = await client.get("/console/")
        assert first.status_code == 200
        shown = _numbers(first.text, "requests")
        assert len(shown) == 50 and oldest.number not in shown
        total = int(re.search(r"共 (\d+) 件", first.text)[1])
        assert total >= 600
        # Found by number, by the caller's phone, by words of the request.
        for text in (oldest.number, OLD_PHONE, "地下室积水", "解放路0号"):
            found = await client.get("/console/", params={"search": text})
            assert found.status_code == 200, text
            assert oldest.number in _numbers(found.text, "requests"), text
        # By paging: the last page holds the oldest; each page link keeps the filters.
        filtered = await client.get("/console/", params={"category": "repair.water"})
        last = re.search(r'id="page-last" href="([^"]+)"', filtered.text)[1].replace("&amp;", "&")
        assert "category=repair.water" in last
        end = await client.get(last)
        assert oldest.number in _numbers(end.text, "requests")
        assert "category=repair.water" in re.search(r'id="page-prev" href="([^"]+)"', end.text)[1]
        # A date range that holds only the oldest day.
        day = (oldest.received_at + timedelta(hours=8)).date().isoformat()
        ranged = await client.get("/console/", params={"from": day, "to": day})
        assert oldest.number in _numbers(ranged.text, "requests")
        assert len(_numbers(ranged.text, "requests")) <= 2
        # A reversed range is said as what it is, not as a badly written date; a bad page is
        # a page too, and a filter that names nothing finds nothing.
        reversed_ = await client.get("/console/", params={"from": "2026-05-02", "to": "2026-05-01"})
        assert reversed_.status_code == 400 and "结束日期早于开始日期" in reversed_.text
        assert "格式" not in reversed_.text
        for query in (
            {"page": "0"},
            {"page": "x"},
            {"status": "nope"},
            {"level": "x"},
            {"to": "9999-12-31"},  # would overflow past the last day there is
            {"from": "0001-01-01"},  # would overflow on its way to UTC
        ):
            assert (await client.get("/console/", params=query)).status_code == 400, query
        for path in ("/console/dashboard", "/console/dashboard.csv", "/console/export.csv"):
            edge = await client.get(path, params={"from": "0001-01-01", "to": "9999-12-31"})
            assert edge.status_code == 400, path
            assert "超出可查询的年份" in edge.text and "格式" not in edge.text, path
        nobody = await client.get("/console/", params={"community": "NOPE"})
        assert nobody.status_code == 200 and _numbers(nobody.text, "requests") == []
        # The search's wildcards are the typed characters, not SQL's.
        assert (
            _numbers((await client.get("/console/", params={"search": "%"})).text, "requests") == []
        )
    finally:
        await client.aclose()


async def test_queues_put_the_most_overdue_on_top_then_the_nearest_due(api):
    await _seed(api, 40)
    now = utcnow()
    # The district's queue: what it holds, and what escalation raised to it (the demo's clock
    # walk escalated some of its requests over its days).
    held_or_raised = or_(
        and_(HotlineRequest.unit_id.is_(None), HotlineRequest.department_id.is_(None)),
        and_(HotlineRequest.level == "district", HotlineRequest.escalations > 0),
    )
    async with api.runtime.sessions() as session, session.begin():
        held = (await session.scalars(select(HotlineRequest).where(held_or_raised))).all()
        # Due times spread on both sides of now (whole hours: none near it), in no order of
        # receipt.
        for n, request in enumerate(held):
            shift = timedelta(hours=((n * 37) % 101) - 50)
            await session.execute(
                update(HotlineRequest)
                .where(HotlineRequest.id == request.id)
                .values(due_at=now + shift)
            )
    async with api.runtime.sessions() as session:
        rows = (
            await session.execute(
                select(HotlineRequest.number, HotlineRequest.due_at, HotlineRequest.status).where(
                    held_or_raised, HotlineRequest.status != "closed"
                )
            )
        ).all()
    client = await _console(api, "dispatcher", "zh")
    try:
        page = await client.get("/console/levels/", params={"page": "1"})
        assert page.status_code == 200
        shown = _numbers(page.text, "held")
        due = {number: at for number, at, _ in rows}
        assert len(shown) == min(50, len(rows))
        expected = sorted(due, key=lambda number: (due[number] >= now, due[number]))[: len(shown)]
        assert shown == expected
        overdue = [n for n in shown if due[n] < now]
        assert overdue and shown[: len(overdue)] == overdue  # every overdue one before the rest
        # No per-row pickers: one row action opens one form with the pickers.
        assert '<select name="org_unit_code"' not in page.text
        link = re.search(r'class="route" href="([^"]+)"', page.text)[1].replace("&amp;", "&")
        form = await client.get(link)
        assert form.status_code == 200
        assert (
            form.text.count("<select") == 2 and 'name="next" value="/console/levels/' in form.text
        )
    finally:
        await client.aclose()


async def test_the_districts_queue_is_sized_by_its_rows(api):
    await _seed(api)
    client = await _console(api, "dispatcher", "zh")
    try:
        page = await client.get("/console/levels/")
        assert page.status_code == 200
        assert len(page.content) <= 300_000, len(page.content)
    finally:
        await client.aclose()


async def test_request_numbers_take_the_local_day(api):
    """A call at 07:30 in Shanghai (23:30 UTC the day before) gets that morning's number.

    The day is long past so that the demo's own requests (raised today) never share it.
    """
    from datetime import UTC, datetime

    from server.hotline import service as hotline

    values = {
        "channel": "phone",
        "caller_name": "早班来电",
        "caller_phone": "13800000730",
        "address": "解放路1号",
        "category_code": "repair.water",
        "description": "清晨停水",
    }
    async with api.runtime.sessions() as session, session.begin():
        morning = await hotline.create(
            session, None, values, datetime(2021, 3, 9, 23, 30, tzinfo=UTC)
        )
        before = await hotline.create(
            session, None, values, datetime(2021, 3, 9, 15, 59, tzinfo=UTC)
        )
        midnight = await hotline.create(
            session, None, values, datetime(2021, 3, 9, 16, 0, tzinfo=UTC)
        )
    assert morning.number.startswith("210310-")
    assert before.number.startswith("210309-")
    assert midnight.number == "210310-0002"  # the same local day counts on


async def test_a_refused_step_is_shown_inside_its_form_and_a_done_one_is_confirmed(api):
    from tests.support.server import database_state

    client = await _console(api, "subdistrict1", "zh")
    try:
        queue = await client.get("/console/levels/")
        link = re.search(r'class="route" href="([^"]+)"', queue.text)[1].replace("&amp;", "&")
        form = await client.get(link)
        action = re.search(r'action="([^"]+)" id="step-form"', form.text)[1]
        csrf = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', form.text)[1]
        typed = {"_csrf_token": csrf, "_form": "step", "next": "/console/levels/"}
        before = await database_state(api)
        refused = await client.post(
            action, data={**typed, "org_unit_code": "NOPE", "note": "请尽快处理楼道积水"}
        )
        assert refused.status_code == 404
        assert 'id="f-org_unit_code" aria-invalid="true" aria-describedby="err-org_unit_code"' in (
            refused.text
        )
        assert 'id="err-org_unit_code"' in refused.text
        assert 'value="请尽快处理楼道积水"' in refused.text  # what was typed is kept
        assert 'id="nav-my_queue"' in refused.text  # the page keeps the menu
        assert await database_state(api) == before
        done = await client.post(action, data={**typed, "org_unit_code": "D01-S01-C01"})
        assert done.status_code == 303 and done.headers["location"] == "/console/levels/"
        shown = await client.get("/console/levels/")
        assert "已转派至和平春晖社区" in shown.text
        again = await client.get("/console/levels/")
        assert "已转派至" not in again.text  # said once
    finally:
        await client.aclose()


async def test_the_search_takes_any_text_and_follows_edits(api):
    """What the search index is asked (SQLite: an FTS5 phrase from three characters; shorter,
    and on PostgreSQL, ILIKE) is the typed text, quotes and query words included; a changed
    row is found by its new text, not its old."""
    oldest = await _seed(api, 60)
    client = await _console(api, "dispatcher", "zh")
    try:
        for text in ("地下室积水", "路0号", "积水已"):
            found = await client.get("/console/", params={"search": text})
            assert oldest.number in _numbers(found.text, "requests"), text
        for text in ('"', 'a"b', "OR", "* AND", "NEAR(x", "号 NOT 路", "-1"):
            answer = await client.get("/console/", params={"search": text})
            assert answer.status_code == 200, text
        assert (
            _numbers((await client.get("/console/", params={"search": '"'})).text, "requests") == []
        )
        async with api.runtime.sessions() as session, session.begin():
            await session.execute(
                update(HotlineRequest)
                .where(HotlineRequest.id == oldest.id)
                .values(caller_phone="13822223333", caller_name="Zhang WEI")
            )
        for text, found in (("13822223333", True), (OLD_PHONE, False), ("zhang wei", True)):
            page = await client.get("/console/", params={"search": text})
            assert (oldest.number in _numbers(page.text, "requests")) is found, text
    finally:
        await client.aclose()


async def test_a_search_of_one_or_two_characters_finds_callers_by_the_start_of_their_name(api):
    """Two characters are no trigram: such a search looks for callers whose name starts with
    them (an index on the name), and the list says so; three or more search every field."""
    names = ["李娜", "李娜娜", "王李娜", "李四", "Li%", "lina"]
    now = utcnow()
    made = {}
    async with api.runtime.sessions() as session, session.begin():
        for n, name in enumerate(names):
            row = HotlineRequest(
                number=f"{to_local(now):%y%m%d}-8{n:03d}",
                channel="phone",
                caller_name=name,
                caller_phone=f"1360000{n:04d}",
                address="幸福路1号",
                category_code="repair.water",
                description=f"{name}家里水管漏水",
                status="received",
                level="district",
                received_at=now - timedelta(minutes=n),
                due_at=now + timedelta(hours=72),
                stage_started_at=now,
            )
            session.add(row)
            made[name] = row.number
    client = await _console(api, "dispatcher", "zh")
    try:

        async def found(text: str) -> set[str]:
            page = await client.get("/console/", params={"search": text})
            assert page.status_code == 200, text
            return {name for name, number in made.items() if number in page.text}

        assert await found("李娜") == {"李娜", "李娜娜"}  # not 王李娜: inside, not at the start
        assert await found("李") == {"李娜", "李娜娜", "李四"}
        # A Latin name's case: as typed on SQLite (a range on the index), either on PostgreSQL.
        assert {"Li%"} <= await found("Li") <= {"Li%", "lina"}
        assert await found("%") == set()  # the typed character, not a wildcard
        assert await found("王李娜") == {"王李娜"}  # three: every field, inside the text too
        assert await found("娜家里") == {"李娜", "李娜娜", "王李娜"}
        page = await client.get("/console/", params={"search": "李娜"})
        said = page.text.split('id="short-search">')[1].split("</p>")[0]
        assert "“李娜”不足三个字" in said and "三个字以上" in said
        longer = await client.get("/console/", params={"search": "王李娜"})
        assert 'id="short-search"' not in longer.text
    finally:
        await client.aclose()
