"""The district → subdistrict → community tree as materialised paths of unit codes.

A unit's path is its ancestors' codes and its own, joined by "/": `D01/D01-S01/D01-S01-C01`.
A unit contains another when the other's path equals it or starts with it and a "/".
"""

SEPARATOR = "/"


def child_path(parent_path: str | None, code: str) -> str:
    return code if not parent_path else f"{parent_path}{SEPARATOR}{code}"


def contains(ancestor_path: str, path: str) -> bool:
    """True when the unit at `path` is the unit at `ancestor_path` or lies below it."""
    return path == ancestor_path or path.startswith(ancestor_path + SEPARATOR)
