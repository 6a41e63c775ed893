"""Headless Chromium (Debian's, driven by playwright) for the browser journeys, in one place:
the guard every journey starts with, the browser's launch, the console's sign-in and the
screenshots kept when DOORSTEP_CONSOLE_SHOTS names a folder.

The guard: a journey runs once, on SQLite (the server's pages are the same on PostgreSQL),
unless CI=true, where it runs on each database; Debian's chromium is required under CI=true
(the journey fails without it) and otherwise a missing chromium skips it, saying how to get it.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.server import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = os.environ.get("DOORSTEP_CONSOLE_SHOTS")  # a folder: save the pages as PNGs there
OFFICE = {"width": 1280, "height": 900}  # an office screen's browser window


def chromium_or_skip(settings) -> None:
    """Skips (or, under CI=true, fails) a journey that should not or cannot run here."""
    under_ci = os.environ.get("CI") == "true"
    if settings.dialect != "sqlite" and not under_ci:
        pytest.skip("the browser journeys run once, on SQLite, outside CI")
    if not Path(CHROMIUM).exists():
        if under_ci:
            pytest.fail("Debian's chromium is required under CI=true")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


def launch(playwright):
    """Debian's chromium, headless, quiet: nothing fetched but the pages under test."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )


@contextmanager
def chromium(settings=None) -> Iterator:
    """The guard (when given the settings), then a browser closed when the journey ends."""
    if settings is not None:
        chromium_or_skip(settings)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def shot(page, name: str) -> None:
    """The whole page as SHOTS/name.png, when SHOTS is set."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in_page(page, base: str, username: str, password: str = PASSWORD):
    """Signs `username` in on the console's sign-in page; waits for the role's first page
    (each role lands on its own work, `shared.console_links.first_page`)."""
    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#sign-in")
    page.wait_for_url(lambda address: "/console/" in address and "/login" not in address)
    return page


def sign_in(browser, base: str, username: str, lang: str = "zh", **context):
    """A browser window of its own, set up as in a Chinese office (zh-CN, 1280 px unless
    `context` says otherwise; the console in `lang`), signed in as `username`."""
    context = {"viewport": OFFICE, "locale": "zh-CN", **context}
    window = browser.new_context(**context)
    if lang != "zh":
        window.add_cookies([{"name": "doorstep_lang", "value": lang, "url": base}])
    return sign_in_page(window.new_page(), base, username)
