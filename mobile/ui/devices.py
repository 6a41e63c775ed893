"""The phone's camera and GPS through plyer, and what stands in for them on a desktop: a file
chooser for photos, and a plain "no GPS here" for the place. Results come back on Kivy's main
thread."""

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from kivy.clock import mainthread
from kivy.utils import platform

from mobile.core.fieldwork import Fix

GPS_WAIT = 30.0  # seconds to wait for a fix before saying there is none
ON_PHONE = platform in ("android", "ios")


def _ask_permission(*names: str) -> None:
    """Android 6+ asks the person at run time; the manifest alone is not enough."""
    if platform != "android":
        return
    from android.permissions import request_permissions  # only in the Android build

    request_permissions(list(names))


def take_photo(done: Callable[[str | None], None]) -> bool:
    """Opens the camera (on a phone); `done(path)` with the photo's file, or None if the
    person cancelled. False when there is no camera to open (a desktop: use a file)."""
    if not ON_PHONE:
        return False
    from kivy.app import App
    from plyer import camera

    _ask_permission("android.permission.CAMERA")
    folder = Path(App.get_running_app().user_data_dir or tempfile.gettempdir())
    target = folder / f"doorstep-camera-{int(time.time() * 1000)}.jpg"

    @mainthread
    def taken(path) -> None:
        try:
            done(str(path) if path and Path(path).exists() else None)
        finally:
            # The camera's file is in clear, with EXIF: only the re-encoded, sealed copy stays.
            Path(path or target).unlink(missing_ok=True)

    camera.take_picture(filename=str(target), on_complete=taken)
    return True


class Locator:
    """Asks the GPS for one fix; `done(fix)` with the fix, or `done(None, reason)` where the
    reason is a translation key: no_fix (no signal in time) or no_gps (no GPS on this device)."""

    def __init__(self, done: Callable[..., None]) -> None:
        self.done = done
        self._gps = None
        self._answered = False

    def start(self) -> None:
        if not ON_PHONE:
            self._answer(None, "no_gps")
            return
        try:
            from plyer import gps

            _ask_permission(
                "android.permission.ACCESS_FINE_LOCATION",
                "android.permission.ACCESS_COARSE_LOCATION",
            )
            gps.configure(on_location=self._on_location, on_status=lambda *_a: None)
            gps.start(minTime=1000, minDistance=0)
            self._gps = gps
        except (NotImplementedError, ImportError, ModuleNotFoundError):
            self._answer(None, "no_gps")
            return
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: self._answer(None, "no_fix"), GPS_WAIT)

    def _on_location(self, **values) -> None:
        fix = Fix(
            lat=float(values["lat"]),
            lon=float(values["lon"]),
            accuracy_m=float(values.get("accuracy") or 0),
            at=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        )
        self._answer(fix, "")

    @mainthread
    def _answer(self, fix: Fix | None, reason: str) -> None:
        if self._answered:
            return
        self._answered = True
        if self._gps is not None:
            self._gps.stop()
        self.done(fix, reason)
