"""The phone's Android side with the Android classes stood in: fake `jnius` and `android`
modules in sys.modules, as pyjnius and python-for-android would provide them on a phone. The
camera goes through an intent with a FileProvider content URI into the app's private files;
permissions are asked and their answer awaited; refusals and errors come back as words' keys."""

import sys
import types
from pathlib import Path

import pytest
from kivy.clock import Clock

from mobile import droid, places
from mobile.ui import devices

PACKAGE = "org.doorstep.doorstep"


class JavaException(Exception):
    pass


class FakeFile:
    def __init__(self, path: str) -> None:
        self.path = path

    def getAbsolutePath(self) -> str:  # noqa: N802  (Java's name)
        return self.path


class FakeIntent:
    FLAG_GRANT_READ_URI_PERMISSION = 1
    FLAG_GRANT_WRITE_URI_PERMISSION = 2

    def __init__(self, action: str) -> None:
        self.action, self.extras, self.flags = action, {}, 0

    def putExtra(self, name, value) -> None:  # noqa: N802
        self.extras[name] = value

    def addFlags(self, flags: int) -> None:  # noqa: N802
        self.flags |= flags


class FakeActivity:
    def __init__(self, files: Path) -> None:
        self.files = files
        self.started: list[tuple[FakeIntent, int]] = []
        self.no_camera_app = False

    def getFilesDir(self) -> FakeFile:  # noqa: N802
        return FakeFile(str(self.files))

    def getPackageName(self) -> str:  # noqa: N802
        return PACKAGE

    def startActivityForResult(self, intent, code) -> None:  # noqa: N802
        if self.no_camera_app:
            raise JavaException("android.content.ActivityNotFoundException: No Activity found")
        self.started.append((intent, code))


class Android:
    """The fakes, and what the code did with them."""

    def __init__(self, files: Path) -> None:
        self.activity = FakeActivity(files)
        self.held: set[str] = set()
        self.requests: list[tuple[list[str], object]] = []
        self.bound: list = []
        self.uris: list[tuple[str, str]] = []

    def autoclass(self, name: str):
        if name == droid.ACTIVITY:
            return types.SimpleNamespace(mActivity=self.activity)
        if name == "java.io.File":
            return FakeFile
        if name == "android.content.Intent":
            return FakeIntent
        if name == "android.provider.MediaStore":
            return types.SimpleNamespace(
                ACTION_IMAGE_CAPTURE="android.media.action.IMAGE_CAPTURE", EXTRA_OUTPUT="output"
            )
        if name == "androidx.core.content.FileProvider":

            def get_uri(context, authority, file):
                path = Path(file.getAbsolutePath())
                # FileProvider refuses a file outside the paths it was given (files/camera/).
                if path.parent != self.activity.files / "camera":
                    raise JavaException("IllegalArgumentException: Failed to find root")
                self.uris.append((authority, str(path)))
                return f"content://{authority}/camera/{path.name}"

            return types.SimpleNamespace(getUriForFile=get_uri)
        raise AssertionError(f"unexpected class {name}")

    def answer(self, granted: bool | None) -> None:
        """The person answers the last permission dialog (None: the dialog was interrupted)."""
        names, callback = self.requests.pop()
        if granted is None:
            callback([], [])
        else:
            callback(names, [granted] * len(names))

    def result(self, code: int, result: int) -> None:
        for callback in list(self.bound):
            callback(code, result, None)


@pytest.fixture
def android(tmp_path, monkeypatch):
    fake = Android(tmp_path / "files")
    fake.activity.files.mkdir()
    jnius = types.ModuleType("jnius")
    jnius.autoclass, jnius.JavaException = fake.autoclass, JavaException
    package = types.ModuleType("android")
    package.__path__ = []
    permissions = types.ModuleType("android.permissions")
    permissions.check_permission = lambda name: name in fake.held
    permissions.request_permissions = lambda names, callback: fake.requests.append(
        (list(names), callback)
    )
    activity = types.ModuleType("android.activity")
    activity.bind = lambda on_activity_result: fake.bound.append(on_activity_result)
    activity.unbind = lambda on_activity_result: fake.bound.remove(on_activity_result)
    storage = types.ModuleType("android.storage")
    storage.app_storage_path = lambda: str(fake.activity.files)
    package.permissions, package.activity, package.storage = permissions, activity, storage
    for name, module in {
        "jnius": jnius,
        "android": package,
        "android.permissions": permissions,
        "android.activity": activity,
        "android.storage": storage,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    return fake


def camera(android) -> tuple[droid.CameraIntent, list]:
    answers: list = []
    intent = droid.CameraIntent(lambda path, reason: answers.append((path, reason)))
    return intent, answers


def test_the_camera_writes_through_a_file_provider_uri_into_private_files(android):
    android.held.add(droid.CAMERA)
    intent, answers = camera(android)
    intent.start()
    assert not android.requests  # held already: nothing asked
    ((started, code),) = android.activity.started
    assert started.action == "android.media.action.IMAGE_CAPTURE"
    uri = started.extras["output"]
    assert uri.startswith(f"content://{PACKAGE}.fileprovider/camera/") and uri.endswith(".jpg")
    assert started.flags == FakeIntent.FLAG_GRANT_WRITE_URI_PERMISSION | 1
    target = Path(android.uris[0][1])
    assert target.parent == android.activity.files / "camera"
    android.result(code + 1, droid.RESULT_OK)  # another activity's answer: not ours
    assert answers == [] and len(android.bound) == 1
    target.write_bytes(b"\xff\xd8 a photo")  # the camera app writes through the URI
    android.result(code, droid.RESULT_OK)
    assert answers == [(str(target), "")]
    assert android.bound == []  # no longer listening


def test_the_permission_is_asked_and_its_answer_awaited(android):
    intent, answers = camera(android)
    intent.start()
    assert android.requests[0][0] == [droid.CAMERA]
    assert android.activity.started == [] and answers == []  # waits for the answer
    android.answer(False)
    assert answers == [(None, "camera_refused")] and android.activity.started == []
    intent, answers = camera(android)
    intent.start()
    android.answer(None)  # interrupted: an empty answer is no permission
    assert answers == [(None, "camera_refused")]
    intent, answers = camera(android)
    intent.start()
    android.answer(True)
    assert len(android.activity.started) == 1 and answers == []


def test_going_back_from_the_camera_leaves_no_file(android):
    android.held.add(droid.CAMERA)
    intent, answers = camera(android)
    intent.start()
    target = Path(android.uris[0][1])
    target.write_bytes(b"")  # some camera apps make the file before the person goes back
    android.result(droid.CAMERA_REQUEST, 0)  # RESULT_CANCELED
    assert answers == [(None, "")] and not target.exists()


def test_a_phone_without_a_camera_app_says_so(android):
    android.held.add(droid.CAMERA)
    android.activity.no_camera_app = True
    intent, answers = camera(android)
    intent.start()
    assert answers == [(None, "no_camera_app")] and android.bound == []


def test_take_photo_hands_the_file_over_on_the_main_thread_then_removes_it(android, monkeypatch):
    monkeypatch.setattr(devices, "ON_ANDROID", True)
    android.held.add(droid.CAMERA)
    seen = []

    def done(path, reason):
        seen.append((path, reason, Path(path).read_bytes() if path else None))

    assert devices.take_photo(done) is True
    target = Path(android.uris[0][1])
    target.write_bytes(b"jpeg")
    android.result(droid.CAMERA_REQUEST, droid.RESULT_OK)
    assert seen == []  # not on Android's thread: on Kivy's, at the next frame
    Clock.tick()
    assert seen == [(str(target), "", b"jpeg")]
    assert not target.exists()  # the clear copy with its EXIF is gone


def fake_gps(monkeypatch, start_error: Exception | None = None):
    gps = types.SimpleNamespace(started=False, stopped=False)

    def configure(on_location, on_status):
        gps.on_location, gps.on_status = on_location, on_status

    def start(**_kwargs):
        if start_error:
            raise start_error
        gps.started = True

    gps.configure, gps.start = configure, start
    gps.stop = lambda: setattr(gps, "stopped", True)
    monkeypatch.setitem(sys.modules, "plyer", types.SimpleNamespace(gps=gps))
    return gps


def locate(monkeypatch) -> list:
    monkeypatch.setattr(devices, "ON_ANDROID", True)
    answers: list = []
    devices.Locator(lambda fix, reason="": answers.append((fix, reason))).start()
    return answers


def test_the_place_waits_for_the_permission_and_says_a_refusal(android, monkeypatch):
    gps = fake_gps(monkeypatch)
    answers = locate(monkeypatch)
    names, _callback = android.requests[0]
    assert set(names) == set(droid.LOCATION)
    android.answer(False)
    Clock.tick()
    Clock.tick()
    assert answers == [(None, "location_refused")] and not gps.started


def test_a_fix_after_the_permission(android, monkeypatch):
    gps = fake_gps(monkeypatch)
    android.held.update(droid.LOCATION)
    answers = locate(monkeypatch)
    Clock.tick()
    assert gps.started
    gps.on_location(lat="not a number", lon=None)  # a broken fix is no place: wait on
    gps.on_location(lat=31.2304, lon=121.4737, accuracy=8.0)
    Clock.tick()
    ((fix, reason),) = answers
    assert (fix.lat, fix.lon, fix.accuracy_m, reason) == (31.2304, 121.4737, 8.0, "")
    assert gps.stopped


def test_a_gps_error_is_caught_and_said(android, monkeypatch):
    fake_gps(monkeypatch, start_error=RuntimeError("jnius: LocationManager is null"))
    android.held.update(droid.LOCATION)
    answers = locate(monkeypatch)
    Clock.tick()
    Clock.tick()
    assert answers == [(None, "gps_failed")]


def test_on_a_desktop_there_is_no_gps_and_no_camera(monkeypatch):
    monkeypatch.setattr(devices, "ON_ANDROID", False)
    assert devices.take_photo(lambda *_a: None) is False
    answers: list = []
    devices.Locator(lambda fix, reason="": answers.append((fix, reason))).start()
    Clock.tick()
    assert answers == [(None, "no_gps")]


def test_files_live_in_the_apps_private_storage_on_android(android, monkeypatch):
    monkeypatch.delenv("DOORSTEP_PHONE_HOME", raising=False)
    monkeypatch.setattr(places, "ON_ANDROID", True)
    assert places.phone_home() == android.activity.files / "doorstep"
    monkeypatch.setattr(places, "ON_ANDROID", False)
    assert places.phone_home() == Path.home() / ".doorstep-phone"
    monkeypatch.setenv("DOORSTEP_PHONE_HOME", "/somewhere")
    assert places.phone_home() == Path("/somewhere")


def test_the_photo_chooser_starts_in_the_pictures_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert places.pictures_folder() == tmp_path  # nothing better: home
    (tmp_path / "Pictures").mkdir()
    assert places.pictures_folder() == tmp_path / "Pictures"
    (tmp_path / "照片").mkdir()
    (tmp_path / ".config").mkdir()
    (tmp_path / ".config" / "user-dirs.dirs").write_text(
        '# written by xdg-user-dirs-update\nXDG_PICTURES_DIR="$HOME/照片"\n', "utf-8"
    )
    assert places.pictures_folder() == tmp_path / "照片"
