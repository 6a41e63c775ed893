"""`python -m testbed.screenshots OUTDIR [--lang zh|en]`: each main screen, with demo data.

A developer's tool (it lives in testbed/, which the phone's package never ships or imports).
Starts the demo district on a throwaway SQLite database (in-process), signs phones in as
worker1, supervisor1 and mentor1, syncs them, makes a conflict and a sent-back visit so those
screens have something to show, and renders every screen offscreen to OUTDIR/<screen>.png.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

SIZE = (360, 780)  # dp: a common narrow phone (density 1 here, so pixels)
SCREENS = [
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
]


def _prepare_environment(folder: Path) -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_HOME", str(folder / "kivy"))


def _demo_server(folder: Path):
    import testbed

    url = f"sqlite+aiosqlite:///{folder / 'server.db'}"
    settings = testbed.cheap_settings(url)
    testbed.build_demo(url, settings)
    return testbed.in_process(settings, base_url="http://demo.local")


def _phones(folder: Path, server, language: str):
    from mobile.core.crypto import KdfCost
    from mobile.core.phone import Phone
    from testbed import DEMO_PASSWORD

    phones = {}
    for username in ("worker1", "supervisor1", "mentor1"):
        phone = Phone(
            folder / username, http_factory=lambda _url: server, kdf_cost=KdfCost(n=1024, r=1)
        )
        phone.sign_in("http://demo.local", username, DEMO_PASSWORD, "246810")
        phone.set_language(language)
        phone.sync()
        phones[username] = phone
    worker, supervisor = phones["worker1"], phones["supervisor1"]
    # A conflict for the worker: both change a phone number, the supervisor's is later.
    resident = sorted(worker.visits(), key=lambda v: v["id"])[0]["resident_id"]
    worker.update_resident(resident, phone="13811112222")
    time.sleep(0.05)  # the supervisor's edit is the later one
    supervisor.update_resident(resident, phone="13833334444")
    supervisor.sync()
    worker.sync()
    # A visit worked and completed, then sent back with a reason.
    visit = next(v for v in worker.visits(status="assigned"))
    worker.start_visit(visit["id"])
    worker.record_checkin(
        visit["resident_id"],
        visit["id"],
        True,
        "fair",
        "血压偏高，已提醒服药",
        needs="希望有人帮忙买菜",
    )
    worker.complete_visit(visit["id"], "老人精神尚可，血压偏高")
    worker.sync()
    supervisor.sync()
    supervisor.decide(visit["id"], approve=False, reason="请补充用药情况")
    supervisor.sync()
    worker.sync()
    _proof_of_visit(worker, supervisor)
    phones["mentor1"].log_assistance(
        phones["mentor1"].families()[0]["id"], "生活物资", 200, "送去米面油"
    )
    phones["mentor1"].sync()
    return phones, visit["id"]


def _scene(n: int) -> bytes:
    """A stand-in photo: a door, a wall and a floor in plain colours."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 900), (214 - 20 * n, 200, 180 + 15 * n))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 650, 1200, 900), fill=(150, 120, 90))
    draw.rectangle((420 + 60 * n, 180, 720 + 60 * n, 650), fill=(120, 60 + 30 * n, 40))
    draw.ellipse((680 + 60 * n, 400, 700 + 60 * n, 420), fill=(230, 200, 80))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def _signature() -> bytes:
    from mobile.core.media import draw_signature

    wave = [v for x in range(20, 330, 10) for v in (x, 70 + (25 if (x // 30) % 2 else -15))]
    return draw_signature([wave, [60, 40, 120, 110, 180, 40]], 360, 140)


def _capture(phone, visit_id: str, photos: int = 3) -> None:
    from mobile.core.fieldwork import Fix

    for n in range(photos):
        phone.add_photo(visit_id, _scene(n))
    phone.set_signature(visit_id, _signature())
    visit = phone.visit(visit_id) or {}
    home = phone.resident(visit.get("resident_id", "")) or {}
    lat, lon = home.get("lat") or 39.91512, home.get("lon") or 116.40391
    # A few tens of metres from the home, as a phone's GPS would put it at the door.
    phone.set_location(visit_id, Fix(lat + 0.0003, lon + 0.0002, 8.0, "2026-11-28T02:10:00Z"))


def _proof_of_visit(worker, supervisor) -> None:
    """A visit completed with three photos, a signature and the place, for the supervisor;
    and one in progress with its proof captured, not yet sent."""
    done = next(v for v in worker.visits(status="assigned") if not v.get("request_id"))
    worker.start_visit(done["id"])
    _capture(worker, done["id"])
    worker.complete_visit(done["id"], "老人状态良好，已拍照并签字")
    worker.sync()
    supervisor.sync()
    ongoing = next(v for v in worker.visits(status="assigned") if not v.get("request_id"))
    worker.start_visit(ongoing["id"])
    _capture(worker, ongoing["id"], photos=2)


def render(outdir: Path, language: str) -> list[Path]:
    work = Path(tempfile.mkdtemp(prefix="doorstep-shots-"))
    _prepare_environment(work)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    with _demo_server(work) as server:
        phones, visit_id = _phones(work, server, language)
        from kivy.config import Config

        Config.set("graphics", "width", str(SIZE[0]))
        Config.set("graphics", "height", str(SIZE[1]))
        from kivy.base import EventLoop
        from kivy.core.window import Window

        from mobile.ui.app import DoorstepApp

        Window.clearcolor = (1, 1, 1, 1)
        app = DoorstepApp(phones["worker1"], background_sync=False)
        app._run_prepare()

        def frames(n: int = 6) -> None:
            for _ in range(n):
                EventLoop.idle()

        for name in SCREENS:
            app.phone = (
                phones["supervisor1"]
                if name == "approvals"
                else (phones["mentor1"] if name == "family" else phones["worker1"])
            )
            app.bar.show(app.phone.state)
            if name == "visit":
                app.open_visit(visit_id)
            elif name == "proof":
                ongoing = next(v for v in app.phone.visits(status="in_progress"))
                app.open_visit(ongoing["id"])
                frames()
                screen = app.screen("visit")
                screen.children[0].scroll_to(screen.ids.proof, padding=10, animate=False)
            elif name == "request":
                request_visit = next(v for v in app.phone.visits() if v.get("request_id"))
                app.open_request(request_visit["request_id"], request_visit["id"])
            elif name in ("raiserequest", "service"):
                ongoing = next(v for v in app.phone.visits(status="in_progress"))
                app.open_form(name, ongoing["resident_id"], ongoing["id"])
                if name == "raiserequest":
                    app.screen(name).ids.description.text = (
                        "楼道灯坏了" if language == "zh" else "Stair light broken"
                    )
                else:
                    app.screen(name).ids.minutes.text = "30"
            else:
                app.go(name)
            if name == "approvals":  # the visit that came with its proof
                frames()
                rows = app.screen(name).ids.entries.children
                shown = next(
                    (
                        r
                        for r in rows
                        if getattr(r, "proof_text", "").strip() and r.ids.thumbs.children
                    ),
                    None,
                )
                if shown is not None:
                    shown.parent.parent.scroll_to(shown, padding=4, animate=False)
            frames()
            shot = Path(Window.screenshot(name=str(work / f"{name}.png")))
            target = outdir / f"{name}.png"
            shutil.move(shot, target)
            written.append(target)
        app.stop()
    shutil.rmtree(work, ignore_errors=True)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testbed.screenshots", description=__doc__)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    args = parser.parse_args(argv)
    for path in render(args.outdir, args.lang):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
