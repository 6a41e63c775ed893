"""The Kivy app, rendered offscreen and driven by touches, against the real server in-process."""

import asyncio
import os
import shutil
import uuid

import httpx
import pytest
from litestar.testing import TestClient

from mobile.core.crypto import KdfCost
from mobile.core.phone import Phone
from server.app import create_app
from tests.support.phones import FlakyTransport
from tests.support.server import PASSWORD, make_settings
from tests.support.ui import frames, tap, until

FAST = KdfCost(n=1024, r=1)


@pytest.fixture
def server(sqlite_template, tmp_path):
    database = tmp_path / "server.db"
    shutil.copyfile(sqlite_template, database)
    with TestClient(
        create_app(make_settings(f"sqlite+aiosqlite:///{database}")),
        base_url="http://doorstep.test",
    ) as client:
        yield client


def make_phone(tmp_path, server, name: str):
    """A phone whose network can be switched off (its transport wraps the in-process server)."""
    transport = FlakyTransport(server._transport)
    http = httpx.Client(transport=transport, base_url="http://doorstep.test")
    phone = Phone(
        tmp_path / f"{name}-{uuid.uuid4().hex[:6]}", http_factory=lambda _url: http, kdf_cost=FAST
    )
    phone.network = transport
    return phone


def signed_in(tmp_path, server, username: str) -> Phone:
    phone = make_phone(tmp_path, server, username)
    phone.sign_in("http://doorstep.test", username, PASSWORD, "135790")
    phone.sync()
    return phone


@pytest.fixture
async def start_app():
    from mobile.ui.app import DoorstepApp

    running = []

    async def start(phone: Phone):
        app = DoorstepApp(phone, background_sync=False)
        task = asyncio.ensure_future(app.async_run(async_lib="asyncio"))
        await until(lambda: app.root is not None)
        await frames(3)
        running.append((app, task))
        return app

    yield start
    for app, task in running:
        app.stop()
        await task


async def wait_sync(app) -> None:
    await until(lambda: not app.phone.state.running)
    await frames(3)


async def test_wrong_password_shows_a_clear_message(tmp_path, server, start_app):
    app = await start_app(make_phone(tmp_path, server, "new"))
    assert app.shell.ids.screens.current == "setup"
    screen = app.screen("setup")
    screen.ids.server.text = "http://doorstep.test"
    screen.ids.username.text = "worker1"
    screen.ids.password.text = "not-the-password"
    screen.ids.pin.text = "135790"
    await tap(screen.ids.sign_in)
    assert screen.message == "用户名或密码不正确"
    assert app.shell.ids.screens.current == "setup"
    assert not app.phone.store.is_set_up  # nothing half set up is left behind
    screen.ids.password.text = PASSWORD
    await tap(screen.ids.sign_in)
    await wait_sync(app)
    assert app.shell.ids.screens.current == "home", screen.message
    assert len(app.screen("home").ids.list.data) >= 5


async def test_offline_checkin_then_sync_then_approved_on_the_supervisors_phone(
    tmp_path, server, start_app
):
    worker = signed_in(tmp_path, server, "worker1")
    supervisor = signed_in(tmp_path, server, "supervisor1")
    app = await start_app(worker)
    home = app.screen("home")
    home.refresh()
    await frames(3)
    worker.network.fail_when = lambda request: True  # no signal at the door
    rows = [w for w in home.ids.list.children[0].children]
    target = next(r for r in rows if worker.visit(r.visit_id)["status"] == "assigned")
    visit_id = target.visit_id
    await tap(target)
    assert app.shell.ids.screens.current == "visit"
    visit = app.screen("visit")
    await tap(visit.ids.start)
    await tap(visit.ids.save_checkin)  # nothing answered yet: refused in words
    assert visit.message == app.tr("choose_wellbeing")
    await tap(visit.ids.wb_fair)
    await tap(visit.ids.seen_yes)
    visit.ids.checkin_notes.text = "血压偏高"
    await tap(visit.ids.save_checkin)
    visit.ids.summary.text = "已探访，提醒按时服药"
    await tap(visit.ids.complete)
    assert worker.visit(visit_id)["status"] == "completed"
    assert worker.store.pending_count() == 3
    await tap(app.bar.ids.sync_button)
    await wait_sync(app)
    assert app.bar.badge == "离线" and worker.store.pending_count() == 3
    worker.network.fail_when = None  # signal again
    await tap(app.bar.ids.sync_button)
    await wait_sync(app)
    assert app.bar.badge == "在线" and worker.store.pending_count() == 0

    supervisor.sync()
    app.phone = supervisor
    app.go("approvals")
    await frames(3)
    queue = app.screen("approvals")
    row = next(r for r in queue.ids.entries.children if getattr(r, "visit_id", "") == visit_id)
    approve = [b for b in row.walk() if getattr(b, "text", "") == "通过"][0]
    await tap(approve)
    supervisor.sync()
    assert supervisor.rejections() == []

    app.phone = worker
    worker.sync()
    app.open_visit(visit_id)
    await frames(3)
    assert "已通过" in app.screen("visit").status_line


async def test_send_back_rework_approve(tmp_path, server, start_app):
    worker = signed_in(tmp_path, server, "worker1")
    supervisor = signed_in(tmp_path, server, "supervisor1")
    app = await start_app(worker)
    visit_id = worker.visits(status="assigned")[0]["id"]
    app.open_visit(visit_id)
    await frames(3)
    visit = app.screen("visit")
    await tap(visit.ids.start)
    visit.ids.summary.text = "走访完成"
    await tap(visit.ids.complete)
    worker.sync()
    supervisor.sync()
    app.phone = supervisor
    app.go("approvals")
    await frames(3)
    row = next(
        r
        for r in app.screen("approvals").ids.entries.children
        if getattr(r, "visit_id", "") == visit_id
    )
    send_back = [b for b in row.walk() if getattr(b, "text", "") == "退回"][0]
    await tap(send_back)  # no reason given: refused, with words
    assert app.screen("approvals").message == "请填写退回原因"
    row.ids.reason.text = "请补充老人用药情况"
    await tap(send_back)
    supervisor.sync()
    app.phone = worker
    worker.sync()
    app.open_visit(visit_id)
    await frames(3)
    assert "请补充老人用药情况" in visit.status_line and visit.can_start
    await tap(visit.ids.start)
    visit.ids.summary.text = "已补充：每日服用降压药"
    await tap(visit.ids.complete)
    worker.sync()
    supervisor.sync()
    supervisor.decide(visit_id, approve=True)
    supervisor.sync()
    worker.sync()
    app.open_visit(visit_id)
    await frames(3)
    assert "已通过" in visit.status_line


async def test_a_revoked_phone_wipes_itself_and_returns_to_first_run(tmp_path, server, start_app):
    worker = signed_in(tmp_path, server, "worker1")
    supervisor = signed_in(tmp_path, server, "supervisor1")
    app = await start_app(worker)
    assert app.shell.ids.screens.current == "home"
    tokens = supervisor.store.secret("tokens")
    revoked = server.post(
        f"/api/v1/devices/{worker.store.device_id}/revoke",
        headers={"authorization": f"Bearer {tokens['access']}"},
    )
    assert revoked.status_code == 200
    app.sync_now()
    await wait_sync(app)
    await until(lambda: app.shell.ids.screens.current == "setup")
    assert app.screen("setup").message == "本机已被停用，数据已清除"
    assert not worker.store.is_set_up


async def test_language_switch_and_pin_lock(tmp_path, server, start_app):
    worker = signed_in(tmp_path, server, "worker1")
    app = await start_app(worker)
    app.go("settings")
    await frames(2)
    await tap(app.screen("settings").ids.language)
    assert app.bar.badge in ("Online", "Offline")
    app.go("home")
    await frames(2)
    assert app.screen("home").heading.startswith("Today's visits")
    worker.lock()
    app.go("unlock")
    unlock = app.screen("unlock")
    unlock.ids.pin.text = "000000"
    await tap(unlock.ids.unlock)
    assert unlock.message == "Wrong PIN"
    unlock.ids.pin.text = "135790"
    await tap(unlock.ids.unlock)
    assert app.shell.ids.screens.current == "home"


def test_screenshots_show_every_screen_with_text(tmp_path):
    """Runs the contract's screenshot command and checks each picture is not blank."""
    import subprocess
    import sys

    out = tmp_path / "shots"
    result = subprocess.run(
        [sys.executable, "-m", "testbed.screenshots", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "KIVY_HOME": str(tmp_path / "kivy")},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    from PIL import Image  # (Kivy's image needs a window's GL context: alone, it crashes)

    for name in (
        "setup",
        "unlock",
        "home",
        "visit",
        "proof",
        "request",
        "raiserequest",
        "service",
        "approvals",
        "family",
        "conflicts",
        "settings",
    ):
        path = out / f"{name}.png"
        assert path.exists(), name
        with Image.open(path) as picture:
            assert picture.size == (360, 780), name  # a narrow phone, in dp
            data = picture.convert("RGB").tobytes()
        colours = {data[i : i + 3] for i in range(0, len(data), 3 * 97)}  # every 97th pixel
        assert len(colours) > 12, f"{name}.png looks blank"


def test_a_missing_cjk_font_is_said_plainly(monkeypatch, tmp_path):
    from mobile import fonts

    monkeypatch.delenv("DOORSTEP_CJK_FONT", raising=False)
    monkeypatch.setattr(fonts, "CANDIDATES", [str(tmp_path / "nothing.ttc")])
    monkeypatch.setattr(fonts, "BUNDLED", tmp_path / "no-fonts")
    assert fonts.find_cjk_font() is None
    monkeypatch.setenv("DOORSTEP_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    if os.path.exists("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"):
        assert fonts.find_cjk_font().endswith("wqy-microhei.ttc")


async def test_settings_say_when_no_cjk_font_is_found(tmp_path, server, start_app, monkeypatch):
    monkeypatch.setattr("mobile.ui.app.find_cjk_font", lambda: None)
    app = await start_app(signed_in(tmp_path, server, "worker1"))
    app.go("settings")
    await frames(2)
    assert app.screen("settings").font_note == "未找到中文字体，中文将无法显示"


async def test_mentor_sees_the_family_and_logs_assistance(tmp_path, server, start_app):
    mentor = signed_in(tmp_path, server, "mentor1")
    app = await start_app(mentor)
    nav = [b for b in app.screen("home").ids.nav.children if b.text == "帮扶家庭"]
    await tap(nav[0])
    family = app.screen("family")
    assert app.shell.ids.screens.current == "family"
    family.kind.text = "生活物资"
    family.amount.text = "200"
    family.done.text = "送去米面油"
    save = [w for w in family.ids.entries.children if getattr(w, "text", "") == "记录帮扶"][0]
    await tap(save)
    assert mentor.store.pending_count() == 1
    mentor.sync()
    assert mentor.store.pending_count() == 0
    texts = [getattr(w, "text", "") for w in family.ids.entries.children]
    assert any("生活物资" in t and "¥200" in t for t in texts)
