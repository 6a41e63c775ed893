"""Tables in the docs generated from what the code declares: the part of a markdown file between
`<!-- NAME: generated -->` and `<!-- end NAME -->` rewritten in place (the tools that print
the mutation and record tables take `--write FILE`)."""

from pathlib import Path

__all__ = ["rewrite"]


def rewrite(path: Path | str, name: str, table: str) -> bool:
    """Puts `table` between the file's markers for `name`; whether the file changed. Refuses a
    file without the markers (ValueError) rather than guessing where the table goes."""
    path = Path(path)
    start, end = f"<!-- {name}: generated -->\n", f"<!-- end {name} -->"
    text = path.read_text(encoding="utf-8")
    if start not in text or end not in text.split(start, 1)[1]:
        raise ValueError(f"{path} has no {start.strip()} … {end} markers")
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    updated = before + start + table + end + after
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text
