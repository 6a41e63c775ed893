"""Every word a person reads, looked up in one gettext catalogue per language.

The catalogues are `shared/locale/<zh_CN|en>/LC_MESSAGES/doorstep.po`, the one source kept in
the repository. Where Babel is installed (the server, a development machine) the .po is
compiled in memory when no up-to-date `.mo` lies beside it; the Android build carries the `.mo`
that `make words` compiles before it (build output, not kept in git), read here with the
standard library alone so the phone needs no Babel. Ids are namespaced: `console.…`,
`public.…`, `phone.…`, `error.<code>`, `alert.<kind>`, `visit.…`, `time.…`. The one fallback
rule: a language that is not English is Chinese, and an id a catalogue lacks comes back as the
id itself (never the other language's words; a test holds every id in use to both
catalogues).
"""

import gettext
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "doorstep"
CHINESE, ENGLISH = "zh_CN", "en"
LANGUAGES = (CHINESE, ENGLISH)  # Chinese first: the district reads it first


def catalogue_language(language: str | None) -> str:
    """The catalogue for a language code: "en", "en_GB", "en-US" → English; anything else
    ("zh", "zh_CN", "", None, an unknown code) → Chinese."""
    base = (language or "").replace("-", "_").split("_")[0].lower()
    return ENGLISH if base == "en" else CHINESE


def source(catalogue: str) -> Path:
    """The .po of a catalogue (`zh_CN` or `en`)."""
    return LOCALE_DIR / catalogue / "LC_MESSAGES" / f"{DOMAIN}.po"


def compiled(catalogue: str) -> bytes:
    """The catalogue as .mo bytes: the `.mo` beside the .po when it is at least as new, else
    the .po compiled now (with Babel, which the server has and the phone's build does not)."""
    po = source(catalogue)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        return mo.read_bytes()
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError:
        raise RuntimeError(
            f"No compiled words for {catalogue}: run `make words` before building the app"
        ) from None
    with po.open("rb") as text:
        messages = read_po(text)
    out = io.BytesIO()
    write_mo(out, messages)
    return out.getvalue()


@cache
def _translations(catalogue: str) -> gettext.GNUTranslations:
    return gettext.GNUTranslations(io.BytesIO(compiled(catalogue)))


def has(message_id: str, language: str | None = CHINESE) -> bool:
    """Whether the language's catalogue has words for the id."""
    # gettext answers a missing id with the id itself; no id is its own translation.
    return _translations(catalogue_language(language)).gettext(message_id) != message_id


def word(message_id: str, language: str | None = CHINESE, **values: object) -> str:
    """The id's words in the language, `{name}` places filled from `values` (when given)."""
    text = _translations(catalogue_language(language)).gettext(message_id)
    return text.format(**values) if values else text


def translator(namespace: str, language: str | None) -> Callable[..., str]:
    """`tr(key, **values)`: the words of `namespace.key` in the language (the console's
    templates call `tr('assignee')` for `console.assignee`)."""
    prefix = f"{namespace}."

    def tr(key: str, **values: object) -> str:
        return word(prefix + key, language, **values)

    return tr


def ids(language: str | None = CHINESE, namespace: str = "") -> set[str]:
    """Every id the language's catalogue has (under `namespace.` when one is given)."""
    found = set(_translations(catalogue_language(language))._catalog)  # noqa: SLF001
    prefix = f"{namespace}." if namespace else ""
    return {i for i in found if isinstance(i, str) and i and i.startswith(prefix)}


def pairs(namespace: str) -> dict[str, tuple[str, str]]:
    """`key → (Chinese, English)` for every id of a namespace (for tests and tools)."""
    prefix = f"{namespace}."
    return {
        i.removeprefix(prefix): (word(i, CHINESE), word(i, ENGLISH))
        for i in ids(CHINESE, namespace) | ids(ENGLISH, namespace)
    }


__all__ = [
    "CHINESE",
    "ENGLISH",
    "LANGUAGES",
    "LOCALE_DIR",
    "catalogue_language",
    "compiled",
    "has",
    "ids",
    "pairs",
    "source",
    "translator",
    "word",
]
