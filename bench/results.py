"""Where benchmark figures go: one `## ` section of docs/benchmarks.md each, replaced in place
when a benchmark runs again, and the line that says on what machine they were measured."""

import os
import platform
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "benchmarks.md"


def write_section(section: str, title: str, path: Path = RESULTS) -> None:
    """Replaces the section that starts with `title` (up to the next `## `), or appends it."""
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    start = text.find(title)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text)


def commit() -> str:
    """The short commit the figures were measured at, marked when the tree has changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            # The figures being written are no change to the code they measure.
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" with local changes" if dirty else "")


def machine() -> str:
    return (
        f"{time.strftime('%Y-%m-%d', time.gmtime())}, commit {commit()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
