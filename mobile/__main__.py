"""`python -m mobile`: the Doorstep app (on a desktop in a phone-sized window)."""

import os
import sys

from mobile.places import ON_ANDROID, phone_home


def main() -> int:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    if not ON_ANDROID:
        from kivy.config import Config

        Config.set("graphics", "width", "400")
        Config.set("graphics", "height", "760")
    from mobile.core.phone import Phone
    from mobile.ui.app import DoorstepApp

    DoorstepApp(Phone(phone_home())).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
