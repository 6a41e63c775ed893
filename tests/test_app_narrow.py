"""The sync bar on a 360 dp-wide phone: every figure of a 10,000-record first sync shows whole
(two rows, figures shortened to 1.2万 / 12.3k), in both languages; a 5xx reads as a server
error. The home list at 360 dp shows a request visit's number whole, on a line of its own.
Rendered offscreen by Kivy and measured with Kivy's own text renderer."""

import asyncio
import re

import pytest
from kivy.core.text import Label as CoreLabel
from kivy.core.window import Window
from kivy.uix.label import Label

from mobile.core.crypto import KdfCost
from mobile.core.phone import Phone
from mobile.i18n import Words
from tests.support.ui import frames, until
from tests.test_app import server, signed_in, start_app  # noqa: F401  (fixtures)


def test_figures_are_shortened_the_way_each_language_counts():
    zh, en = Words("zh"), Words("en")
    assert [zh.count(n) for n in (0, 9999, 10_000, 10_108, 12_345, 250_000)] == [
        "0", "9999", "1万", "1万", "1.2万", "25万",
    ]  # fmt: skip
    assert [en.count(n) for n in (9999, 10_108, 12_345, 250_000)] == [
        "9999", "10.1k", "12.3k", "250k",
    ]  # fmt: skip


def whole(label: Label) -> bool:
    """The label's text fits its width unshortened (as Kivy would draw it in full)."""
    full = CoreLabel(
        text=label.text, font_size=label.font_size, font_name=label.font_name, bold=label.bold
    )
    full.refresh()
    return full.texture.size[0] <= label.width - 2 * label.padding_x + 1


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_the_sync_bar_fits_360_dp(tmp_path, language):
    from mobile.ui.app import DoorstepApp

    phone = Phone(tmp_path / "phone", kdf_cost=KdfCost(n=1024, r=1))
    phone.set_language(language)
    app = DoorstepApp(phone, background_sync=False)
    size = Window.size
    Window.size = (360, 780)
    task = asyncio.ensure_future(app.async_run(async_lib="asyncio"))
    try:
        await until(lambda: app.root is not None)
        state = phone.state
        state.running, state.done, state.total, state.pending = True, 1234, 10108, 12345
        state.problem, state.online = "server_error", True
        app.bar.show(state)
        await frames(4)
        assert app.bar.width <= 360
        labels = [w for w in app.bar.walk(restrict=True) if isinstance(w, Label) and w.text]
        texts = [label.text for label in labels]
        tr = Words(language)
        assert tr("pulled", done="1234", total=tr.count(10108)) in texts
        assert tr("server_error") in texts
        for label in labels:
            assert whole(label), f"{label.text!r} is cut at 360 dp"
    finally:
        app.stop()
        await task
        Window.size = size


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_the_home_list_shows_a_requests_number_whole_at_360_dp(
    tmp_path,
    server,  # noqa: F811
    start_app,  # noqa: F811
    language,
):
    worker = signed_in(tmp_path, server, "worker1")
    worker.set_language(language)
    size = Window.size
    Window.size = (360, 780)
    try:
        app = await start_app(worker)
        home = app.screen("home")
        home.set_kind("request")
        await frames(6)
        rows = [r for r in home.ids.list.children[0].children if r.what]
        assert rows, "worker1 has no request visit to show"
        numbers = {v["title"] for v in worker.visits(kind="request")}
        tr = Words(language)
        for row in rows:
            assert row.width <= 360
            number = row.what.removeprefix(tr("kind_request")).strip()
            assert number in numbers, (row.what, numbers)
            assert re.fullmatch(r"\d{6}-\d{4,}", number), row.what
            for label in (row.ids.name, row.ids.what):
                assert whole(label), f"{label.text!r} is cut at 360 dp"
    finally:
        Window.size = size
