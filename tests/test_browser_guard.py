"""The browser journeys' guard (tests/support/browser.py): on PostgreSQL outside CI a journey is
skipped (it runs once, on SQLite); a missing chromium skips it with the way to install it, and
fails it under CI=true."""

from types import SimpleNamespace

import pytest

from tests.support import browser

SQLITE, POSTGRESQL = SimpleNamespace(dialect="sqlite"), SimpleNamespace(dialect="postgresql")


def _outcome(settings) -> str:
    try:
        browser.chromium_or_skip(settings)
    except pytest.skip.Exception as skipped:
        return f"skip: {skipped}"
    except pytest.fail.Exception as failed:
        return f"fail: {failed}"
    return "run"


def test_the_guard_runs_skips_and_fails_where_it_should(monkeypatch, tmp_path):
    there = tmp_path / "chromium"
    there.write_text("")
    monkeypatch.setattr(browser, "CHROMIUM", str(there))
    monkeypatch.delenv("CI", raising=False)
    assert _outcome(SQLITE) == "run"
    assert _outcome(POSTGRESQL) == "skip: the browser journeys run once, on SQLite, outside CI"
    monkeypatch.setenv("CI", "true")
    assert _outcome(POSTGRESQL) == "run"

    monkeypatch.setattr(browser, "CHROMIUM", str(tmp_path / "absent"))
    assert _outcome(SQLITE) == "fail: Debian's chromium is required under CI=true"
    assert _outcome(POSTGRESQL) == "fail: Debian's chromium is required under CI=true"
    monkeypatch.delenv("CI")
    assert _outcome(SQLITE).startswith("skip: Debian's chromium is not installed (apt-get")
