"""A residents' form refused: which field, and what is wrong with it, in the person's words.
The page is shown again with everything that was typed, the field marked and named."""

import re
from dataclasses import dataclass, field
from typing import Any

import msgspec

from server.errors import Refusal
from shared import words
from shared.phones import PhoneReading

# msgspec names the field as `$.name` (a wrong value) or "field `name`" (a missing one).
_AT = re.compile(r"`\$\.(\w+)`|field `(\w+)`")
_LENGTH = re.compile(r"length ([<>]=) (\d+)")
# Refusals of the hotline's rules that are about one field of the resident's form.
_REFUSAL_FIELDS = {"unknown_category": "category_code"}
# A field's label, where its words' key is not its name.
_LABELS = {"category_code": "category"}


@dataclass
class FieldError(Exception):
    """What is wrong with one field: its name on the form, the words' key (public.<key>), the
    values the words need and the page's status."""

    field: str
    key: str
    status: int = 400
    values: dict[str, Any] = field(default_factory=dict)

    def words(self, lang: str) -> dict[str, Any]:
        tr = words.translator("public", lang)
        # A list (the numbers seen) is joined the way the language writes one.
        values = {
            k: ("、" if lang == "zh" else ", ").join(v) if isinstance(v, tuple) else v
            for k, v in self.values.items()
        }
        problem = tr(self.key, **values)
        label = tr(_LABELS.get(self.field, self.field)) if self.field else ""
        return {
            "field": self.field,
            "label": label,
            "text": tr("fe_field", field=label, problem=problem) if label else problem,
            "status": self.status,
        }


def phone_error(name: str, reading: PhoneReading) -> FieldError:
    """The phone field's problem, explained (two numbers: which ones were seen)."""
    return FieldError(name, f"phone_{reading.problem}", values={"seen": reading.seen})


def parse(form: dict[str, str], body: type) -> Any:
    """The form as the API's body struct (values trimmed, blank ones left out); a field that is
    missing, too short, too long or malformed is a FieldError naming it."""
    fields = {k: v.strip() for k, v in form.items() if k in body.__struct_fields__ and v.strip()}
    for info in msgspec.structs.fields(body):
        if info.required and info.name not in fields:
            raise FieldError(info.name, "fe_missing")
    try:
        return msgspec.convert(fields, body, strict=False)
    except msgspec.ValidationError as exc:
        message = str(exc)
        named = _AT.search(message)
        name = next(filter(None, named.groups()), "") if named else ""
        length = _LENGTH.search(message)
        if length:
            key = "fe_too_short" if length.group(1) == ">=" else "fe_too_long"
            raise FieldError(name, key, values={"n": int(length.group(2))}) from None
        raise FieldError(name, "fe_format") from None


def from_refusal(exc: Refusal) -> FieldError:
    """A rule's refusal that is about one field of the form; any other goes on as it was."""
    name = _REFUSAL_FIELDS.get(exc.code)
    if name is None:
        raise exc
    return FieldError(name, f"e_{exc.code}", status=exc.status)


__all__ = ["FieldError", "from_refusal", "parse", "phone_error"]
