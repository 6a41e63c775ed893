"""`python -m mobile`: the Doorstep app in a desktop window (phone-sized)."""

import os
import sys
from pathlib import Path


def main() -> int:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    Config.set("graphics", "width", "400")
    Config.set("graphics", "height", "760")
    from mobile.core.phone import Phone
    from mobile.ui.app import DoorstepApp

    home = Path(os.environ.get("DOORSTEP_PHONE_HOME", Path.home() / ".doorstep-phone"))
    DoorstepApp(Phone(home)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
