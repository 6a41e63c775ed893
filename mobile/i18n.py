"""The phone's words: ids `phone.<key>` in the one catalogue (`shared/words.py`, compiled .mo
read with the standard library), and a server's refusal worded from its code (`error.<code>`)."""

from shared import words


class Words:
    """`words(key, **values)` in one language. The app holds one per language and swaps it on
    a switch, so that every kv rule bound to `app.tr` says its words again."""

    def __init__(self, language: str = "zh") -> None:
        self.language = language
        self._tr = words.translator("phone", language)

    def __call__(self, key: str, **values: object) -> str:
        return self._tr(key, **values)

    def count(self, n: int) -> str:
        """A figure short enough for a narrow bar: as it is below 10,000, then 1.2万 in
        Chinese (units of ten thousand, as people count) and 12.3k in English."""
        if n < 10_000:
            return str(n)
        if self.language.startswith("zh"):
            return f"{n / 10_000:.1f}".removesuffix(".0") + "万"
        return f"{n / 1_000:.1f}".removesuffix(".0") + "k"

    def say(self, key_or_text: str, **values: object) -> str:
        """A key's words, or the text itself when it is no key (a message from elsewhere)."""
        if words.has(f"phone.{key_or_text}", self.language):
            return self._tr(key_or_text, **values)
        return key_or_text

    def refusal(self, code: str | None, message: str = "") -> str:
        """Why the server refused, from its code; the server's own sentence (kept for old
        phones) only for a code this phone has no words for."""
        if code and words.has(f"error.{code}", self.language):
            return words.word(f"error.{code}", self.language)
        return message or code or ""
