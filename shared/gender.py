"""A resident's gender as recorded ("女", "male", "F", …) read as one of two codes, so that
every screen words it in its own language; anything else is shown as it was recorded."""

GENDERS: dict[str, frozenset[str]] = {
    "female": frozenset({"女", "female", "f", "woman"}),
    "male": frozenset({"男", "male", "m", "man"}),
}


def gender_code(recorded: str | None) -> str | None:
    """ "female", "male", or None when the record says something else (or nothing)."""
    value = (recorded or "").strip().lower()
    return next((code for code, spellings in GENDERS.items() if value in spellings), None)
