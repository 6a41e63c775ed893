"""App benchmark: the visit list with 2,000 cached visits, saving a check-in, app start.

Offscreen, real rendering, the production Argon2id cost for the store; the phone's cache is
filled by a real sync from the demo server (in-process) plus 2,000 extra visits. Prints the
figures and writes them to docs/benchmarks.md (the app section).

    python -m bench.app
"""

import asyncio
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

VISITS = 2000


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="doorstep-appbench-"))
    for key, value in {
        "SDL_VIDEODRIVER": "offscreen",
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_CONSOLELOG": "1",
        "KIVY_NO_FILELOG": "1",
        "KIVY_HOME": str(work / "kivy"),
    }.items():
        os.environ.setdefault(key, value)
    from kivy.config import Config

    Config.set("graphics", "width", "400")
    Config.set("graphics", "height", "760")

    from sqlalchemy import select

    from mobile.core.phone import Phone
    from server.auth.tables import User
    from server.clock import utcnow
    from server.db.sessions import create_engine_for, session_factory
    from server.demo.seed import DEMO_PASSWORD
    from server.residents.tables import Resident
    from server.visits.tables import Visit
    from testbed import build_demo, cheap_settings, in_process

    url = f"sqlite+aiosqlite:///{work / 'server.db'}"
    settings = cheap_settings(url)
    build_demo(url, settings)

    async def build() -> None:
        engine = create_engine_for(url)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            worker = await session.scalar(select(User).where(User.username == "worker1"))
            residents = (
                await session.scalars(
                    select(Resident).where(Resident.community_id == worker.org_unit_id)
                )
            ).all()
            session.add_all(
                [
                    Visit(
                        resident_id=residents[n % len(residents)].id,
                        community_id=worker.org_unit_id,
                        assignee_id=worker.id,
                        kind="checkin",
                        status="assigned",
                        due_at=utcnow(),
                        title_code="elder_visit",
                    )
                    for n in range(VISITS)
                ]
            )
        await engine.dispose()

    asyncio.run(build())
    figures = {}
    with in_process(settings, base_url="http://bench.local") as server:
        phone = Phone(work / "phone", http_factory=lambda _url: server)  # production KDF cost
        phone.sign_in("http://bench.local", "worker1", DEMO_PASSWORD, "482916")
        phone.sync()
        figures["cached_visits"] = len(phone.store.all("visit"))
        resident = next(iter(phone.residents()))
        timings = []
        for _ in range(50):
            started = time.perf_counter()
            phone.record_checkin(
                resident,
                None,
                True,
                "good",
                "血压正常",
                needs="",
                home_safety={"gas": True, "water": True, "electricity": True},
            )
            timings.append((time.perf_counter() - started) * 1000)
        figures["checkin_ms"] = statistics.median(timings)
        figures["checkin_max_ms"] = max(timings)
        phone.lock()

        from kivy.base import EventLoop

        from mobile.core.phone import Phone as FreshPhone
        from mobile.ui.app import DoorstepApp

        # App start: a new process would open the store, read the PIN and draw the home screen.
        started = time.perf_counter()
        cold = FreshPhone(work / "phone", http_factory=lambda _url: server)
        cold.unlock("482916")
        app = DoorstepApp(cold, background_sync=False)
        app._run_prepare()
        home = app.screen("home")
        for _ in range(3):
            EventLoop.idle()
        figures["start_to_home_s"] = time.perf_counter() - started
        figures["unlock_s"] = 0.0
        started = time.perf_counter()
        cold.unlock("482916")
        figures["unlock_s"] = time.perf_counter() - started

        opens = []
        for _ in range(5):
            app.go("settings")
            EventLoop.idle()
            started = time.perf_counter()
            app.go("home")
            EventLoop.idle()
            opens.append((time.perf_counter() - started) * 1000)
        figures["list_open_ms"] = statistics.median(opens)
        from mobile.ui.widgets import VisitRow

        created = []
        original_init = VisitRow.__init__

        def counting_init(self, **kwargs):
            created.append(1)
            original_init(self, **kwargs)

        VisitRow.__init__ = counting_init
        scroll_frames = []
        for step in range(30):
            started = time.perf_counter()
            home.ids.list.scroll_y = 1 - step / 29
            EventLoop.idle()
            scroll_frames.append((time.perf_counter() - started) * 1000)
        VisitRow.__init__ = original_init
        figures["row_widgets"] = len(home.ids.list.children[0].children)
        figures["rows_created_while_scrolling"] = len(created)
        figures["scroll_frame_ms"] = statistics.median(scroll_frames)
        figures["list_rows"] = len(home.ids.list.data)
        app.stop()

    section = render(figures)
    print(section)
    from bench.sync import write_section

    write_section(section, "## App (issue 4)")


def render(f: dict) -> str:
    return f"""## App (issue 4)

Measured by `python -m bench.app` on {time.strftime("%Y-%m-%d")}, {platform.machine()},
{os.cpu_count()} cores, offscreen rendering with Mesa's software OpenGL, the phone store
encrypted with the production Argon2id cost (64 MiB, 3 passes).

| figure | target | measured |
|---|---|---|
| home screen with {f["list_rows"]} visits in the list ({f["cached_visits"]} cached), opened | ≤ 300 ms | {f["list_open_ms"]:.0f} ms |
| scrolling top to bottom through {f["list_rows"]} rows: one frame, median | | {f["scroll_frame_ms"]:.1f} ms |
| row widgets on screen / created while scrolling all of them | | {f["row_widgets"]} / {f["rows_created_while_scrolling"]} (RecycleView reuses its rows) |
| a check-in saved locally, encrypted, median (max) | ≤ 50 ms | {f["checkin_ms"]:.1f} ms ({f["checkin_max_ms"]:.1f} ms) |
| app start to the home screen (open store, PIN, build, first frames) | ≤ 2 s | {f["start_to_home_s"]:.2f} s |
| of which the PIN check (Argon2id) | | {f["unlock_s"]:.2f} s |
"""


if __name__ == "__main__":
    main()
