"""The phone's Android side through pyjnius and python-for-android's `android` package:
runtime permissions asked and their answer awaited, and the camera through an intent that
writes into the app's private storage by a FileProvider content:// URI (a file:// URI is refused
since Android 7, which is why plyer's camera fails there).

No Kivy here. Callbacks come on Android's threads; the screens (mobile/ui/devices.py) move
them to Kivy's main thread. Tests stand in fake `jnius` and `android` modules.
"""

import time
from collections.abc import Callable
from pathlib import Path

ACTIVITY = "org.kivy.android.PythonActivity"
CAMERA_REQUEST = 0x0D05  # this app's request code for the camera's answer
RESULT_OK = -1  # android.app.Activity.RESULT_OK
CAMERA = "android.permission.CAMERA"
LOCATION = ("android.permission.ACCESS_FINE_LOCATION", "android.permission.ACCESS_COARSE_LOCATION")


def activity():
    from jnius import autoclass

    return autoclass(ACTIVITY).mActivity


def ask(permissions: list[str], then: Callable[[bool], None]) -> None:
    """`then(True)` once every permission is held (at once when it already is), `then(False)`
    when the person refused any (or the request was interrupted: an empty answer)."""
    from android.permissions import check_permission, request_permissions

    wanted = [name for name in permissions if not check_permission(name)]
    if not wanted:
        then(True)
        return

    def answered(names, grants) -> None:
        given = dict(zip(names, grants, strict=False))
        then(bool(names) and all(given.get(name, False) for name in wanted))

    request_permissions(wanted, answered)


def camera_folder() -> Path:
    """The folder inside the app's private files that its FileProvider hands out
    (build-android/res/xml/doorstep_file_paths.xml: files-path "camera/")."""
    folder = Path(activity().getFilesDir().getAbsolutePath()) / "camera"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class CameraIntent:
    """One photo through the phone's camera app. `done(path, reason)`: the photo's file in the
    app's private storage, or None and why not: "" (the person went back), "camera_refused"
    (the camera permission refused), "no_camera_app", "camera_failed"."""

    def __init__(self, done: Callable[[str | None, str], None]) -> None:
        self.done = done
        self.target: Path | None = None

    def start(self) -> None:
        ask([CAMERA], self._permitted)

    def _permitted(self, granted: bool) -> None:
        if not granted:
            self.done(None, "camera_refused")
            return
        from android import activity as events
        from jnius import JavaException, autoclass

        try:
            here = activity()
            self.target = camera_folder() / f"photo-{int(time.time() * 1000)}.jpg"
            File = autoclass("java.io.File")
            FileProvider = autoclass("androidx.core.content.FileProvider")
            Intent = autoclass("android.content.Intent")
            MediaStore = autoclass("android.provider.MediaStore")
            authority = f"{here.getPackageName()}.fileprovider"
            uri = FileProvider.getUriForFile(here, authority, File(str(self.target)))
            intent = Intent(MediaStore.ACTION_IMAGE_CAPTURE)
            intent.putExtra(MediaStore.EXTRA_OUTPUT, uri)
            intent.addFlags(
                Intent.FLAG_GRANT_WRITE_URI_PERMISSION | Intent.FLAG_GRANT_READ_URI_PERMISSION
            )
            events.bind(on_activity_result=self._on_result)
            here.startActivityForResult(intent, CAMERA_REQUEST)
        except JavaException as exc:
            events.unbind(on_activity_result=self._on_result)
            missing = "ActivityNotFoundException" in str(exc)
            self.done(None, "no_camera_app" if missing else "camera_failed")

    def _on_result(self, request_code: int, result_code: int, _data) -> None:
        if request_code != CAMERA_REQUEST:
            return  # another activity's answer
        from android import activity as events

        events.unbind(on_activity_result=self._on_result)
        target = self.target
        if result_code == RESULT_OK and target is not None and target.is_file():
            if target.stat().st_size > 0:
                self.done(str(target), "")
                return
        if target is not None:
            target.unlink(missing_ok=True)
        self.done(None, "")
