"""End to end in headless Chromium, against the real server over loopback (issue 21): with a
year of calls behind the demo (`seed-demo --requests`, here 2,000 of them), the dispatcher finds
a request from eleven months ago by the caller's phone and opens it."""

import asyncio
from datetime import timedelta

from sqlalchemy import select

from server.auth.tables import User
from server.clock import utcnow
from server.db.sessions import create_engine_for, session_factory
from server.demo import volume
from server.hotline.tables import HotlineRequest
from server.org.tables import OrgUnit
from tests.support.browser import chromium, chromium_or_skip, shot, sign_in
from tests.test_console_words import _assert_words


async def _a_year_behind(url: str) -> HotlineRequest:
    """Adds the year's calls; returns one received eleven months ago."""
    engine = create_engine_for(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            units = {u.code: u for u in (await session.scalars(select(OrgUnit))).all()}
            users = {u.username: u for u in (await session.scalars(select(User))).all()}
            await volume.add_year(session, units, users, 2000, utcnow())
        async with session_factory(engine)() as session:
            eleven_months = utcnow() - timedelta(days=335)
            return await session.scalar(
                select(HotlineRequest)
                .where(HotlineRequest.received_at < eleven_months)
                .order_by(HotlineRequest.received_at.desc())
                .limit(1)
            )
    finally:
        await engine.dispose()


def test_the_dispatcher_finds_a_call_of_eleven_months_ago_by_the_callers_phone(live_url, settings):
    chromium_or_skip(settings)  # before a year of calls is added
    old = asyncio.run(_a_year_behind(settings.database_url))
    assert old is not None and old.received_at < utcnow() - timedelta(days=330)
    with chromium() as browser:
        page = sign_in(browser, live_url, "dispatcher")
        page.goto(f"{live_url}/console/")
        # Not on the first page of the list: a year is 40 pages of it.
        assert old.number not in page.inner_text("#requests")
        page.fill("#list-q", old.caller_phone)
        page.click("#filter")
        page.wait_for_url(lambda address: "search=" in address)
        rows = page.locator("#requests tr", has_text=old.number)
        assert rows.count() == 1
        assert old.caller_name in rows.inner_text()
        # The search is kept in the box, and the page is words in one language.
        assert page.input_value("#list-q") == old.caller_phone
        _assert_words(page.content(), "zh", "the list searched by phone")
        shot(page, "search-by-phone")
        rows.locator("a").first.click()
        page.wait_for_selector("#number")
        assert page.inner_text("#number") == old.number
        assert old.caller_phone in page.content()
