"""Finding words of the other language on a page or a phone screen."""

import re

from shared import words

# Words shown in the other language on purpose: the switch names the language it switches to.
ON_PURPOSE = {"language", "switch_language", "lang_code"}
PIECES = re.compile(r"\n|\s*[·•|]\s*|[:：]\s+|\s{2,}")


def other_language_words(language: str, *namespaces: str) -> set[str]:
    """Every whole message of the namespaces in the language other than `language` (those
    without `{places}`, and not the same in both languages)."""
    other = words.ENGLISH if words.catalogue_language(language) == words.CHINESE else words.CHINESE
    found = set()
    for namespace in namespaces:
        for message_id in words.ids(other, namespace):
            if message_id.split(".", 1)[1] in ON_PURPOSE:
                continue
            text = words.word(message_id, other)
            if "{" not in text and text != words.word(message_id, language):
                found.add(text)
    return found


def foreign(texts, language: str, *namespaces: str) -> list[str]:
    """The texts with a piece (a line, a part between separators) that is a whole message of
    the other language."""
    others = other_language_words(language, *namespaces)
    return [
        text
        for text in texts
        if text and any(piece.strip() in others for piece in PIECES.split(text) + [text])
    ]
