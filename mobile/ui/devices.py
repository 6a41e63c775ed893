"""The phone's camera and GPS, and what stands in for them on a desktop: a file chooser for
photos, and a plain "no GPS here" for the place. On Android the camera is an intent writing
into the app's private storage (mobile/droid.py) and the GPS is plyer's, each after its
permission is asked and the answer awaited. Results come back on Kivy's main thread, with the
reason in words when there is none."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from kivy.clock import Clock, mainthread
from kivy.utils import platform

from mobile.core.fieldwork import Fix

GPS_WAIT = 30.0  # seconds to wait for a fix before saying there is none
ON_ANDROID = platform == "android"
log = logging.getLogger("doorstep.mobile")


def take_photo(done: Callable[[str | None, str], None]) -> bool:
    """Opens the camera (on Android); `done(path, reason)` with the photo's file, or None and
    why not ("" when the person went back). False when there is no camera to open (a desktop:
    use a file)."""
    if not ON_ANDROID:
        return False
    from mobile import droid

    @mainthread
    def taken(path: str | None, reason: str) -> None:
        try:
            done(path, reason)
        finally:
            # The camera's file is in clear, with EXIF: only the re-encoded, sealed copy stays.
            if path:
                Path(path).unlink(missing_ok=True)

    droid.CameraIntent(taken).start()
    return True


class Locator:
    """Asks the GPS for one fix; `done(fix)` with the fix, or `done(None, reason)` where the
    reason is a translation key: no_fix (no signal in time), no_gps (no GPS on this device),
    location_refused (the person refused the permission), gps_failed (the GPS gave an error)."""

    def __init__(self, done: Callable[..., None]) -> None:
        self.done = done
        self._gps = None
        self._answered = False
        self._timer = None

    def start(self) -> None:
        if not ON_ANDROID:
            self._answer(None, "no_gps")
            return
        from mobile import droid

        try:
            droid.ask(list(droid.LOCATION), self._permitted)
        except Exception:  # noqa: BLE001  (a broken platform layer: said, not crashed)
            log.exception("asking for the location permission failed")
            self._answer(None, "gps_failed")

    @mainthread
    def _permitted(self, granted: bool) -> None:
        if not granted:
            self._answer(None, "location_refused")
            return
        from plyer import gps  # in the build's requirements (tests/test_android_build.py)

        try:
            gps.configure(on_location=self._on_location, on_status=self._on_status)
            gps.start(minTime=1000, minDistance=0)
            self._gps = gps
        except NotImplementedError:
            self._answer(None, "no_gps")
            return
        except Exception:  # noqa: BLE001  (pyjnius errors, a disabled provider)
            log.exception("starting the GPS failed")
            self._answer(None, "gps_failed")
            return
        self._timer = Clock.schedule_once(lambda _dt: self._answer(None, "no_fix"), GPS_WAIT)

    def _on_status(self, kind: str = "", status: str = "") -> None:
        """plyer reports a provider switched off as a status: no fix will come from it."""
        if kind == "provider-disabled" and str(status).lower() == "gps":
            self._answer(None, "no_fix")

    def _on_location(self, **values) -> None:
        try:
            fix = Fix(
                lat=float(values["lat"]),
                lon=float(values["lon"]),
                accuracy_m=float(values.get("accuracy") or 0),
                at=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            )
        except (KeyError, TypeError, ValueError):
            log.warning("the GPS gave a fix that is no place: %r", values)
            return  # wait for the next one (or the time limit)
        self._answer(fix, "")

    @mainthread
    def _answer(self, fix: Fix | None, reason: str) -> None:
        if self._answered:
            return
        self._answered = True
        if self._timer is not None:
            self._timer.cancel()
        if self._gps is not None:
            try:
                self._gps.stop()
            except Exception:  # noqa: BLE001
                log.exception("stopping the GPS failed")
        self.done(fix, reason)
