"""The Android build's entry point: python-for-android runs `main.py` from the package's root
(buildozer.spec: source.dir). On a desktop use `python -m mobile`."""

import sys

from mobile.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
