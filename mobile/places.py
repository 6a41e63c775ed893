"""Where the phone keeps its files, and where a desktop's photo chooser starts.

On Android every file lives in the app's private storage (the folder `Context.getFilesDir()`
names, which python-for-android's `android.storage.app_storage_path()` returns): no other app
can read it and uninstalling the app removes it. On a desktop the data goes to
`$DOORSTEP_PHONE_HOME` or `~/.doorstep-phone`. No Kivy here: the paths are needed before the
app (and its window) exists.
"""

import os
import sys
from pathlib import Path

ON_ANDROID = "ANDROID_ARGUMENT" in os.environ or hasattr(sys, "getandroidapilevel")


def android_storage() -> Path:
    """The app's private folder on Android (python-for-android's helper)."""
    from android.storage import app_storage_path  # only in the Android build

    return Path(app_storage_path())


def phone_home() -> Path:
    """The folder that holds the phone's store, its photos and its keys."""
    configured = os.environ.get("DOORSTEP_PHONE_HOME")
    if configured:
        return Path(configured)
    if ON_ANDROID:
        return android_storage() / "doorstep"
    return Path.home() / ".doorstep-phone"


def pictures_folder() -> Path:
    """Where a desktop keeps its photos: XDG's pictures folder (`~/.config/user-dirs.dirs`),
    else `~/Pictures` (Windows, macOS), else the home folder."""
    home = Path.home()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "user-dirs.dirs"
    try:
        lines = config.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for line in lines:
        name, _, value = line.partition("=")
        if name.strip() == "XDG_PICTURES_DIR":
            folder = Path(value.strip().strip('"').replace("$HOME", str(home)))
            if folder.is_dir():
                return folder
    for name in ("Pictures", "图片"):
        if (home / name).is_dir():
            return home / name
    return home
