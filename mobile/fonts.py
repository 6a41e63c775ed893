"""Finding a font with Chinese glyphs: Kivy's default Roboto has none."""

import os
from pathlib import Path

# Where Debian's fonts-wqy-microhei, fonts-wqy-zenhei and fonts-noto-cjk put their files,
# and where Android keeps its CJK font.
CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/system/fonts/NotoSansCJK-Regular.ttc",
    "/system/fonts/DroidSansFallback.ttf",
]
BUNDLED = Path(__file__).resolve().parent / "assets" / "fonts"


def find_cjk_font() -> str | None:
    """A font file with Chinese glyphs: $DOORSTEP_CJK_FONT, one shipped with the app, or a
    system font; None when there is none."""
    configured = os.environ.get("DOORSTEP_CJK_FONT")
    if configured and Path(configured).is_file():
        return configured
    shipped = (
        sorted(BUNDLED.glob("*.tt[fc]")) + sorted(BUNDLED.glob("*.otf")) if BUNDLED.is_dir() else []
    )
    for path in [*map(str, shipped), *CANDIDATES]:
        if Path(path).is_file():
            return path
    return None
