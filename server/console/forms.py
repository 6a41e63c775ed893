"""Reading a console form: the CSRF check, then the fields into the API's body struct (the
same checks as the API), and what the struct refused in the viewer's language.

Every console form is read here: `read(request, runtime, Body, **given)` for one that carries
data, `read_form` for one that only confirms an action. A refusal is `InvalidForm`, a 400
`invalid_request` whose page also names the field and what is wrong with it.
"""

import hmac
import re
from typing import Any, TypeVar

import msgspec
from litestar import Request

from server.console.session import csrf_token
from server.errors import ProblemError, Refusal
from server.runtime import Runtime
from shared import words

Body = TypeVar("Body", bound=msgspec.Struct)

# What msgspec says of a value (the API's own validation message), as a words key and values.
_PROBLEMS = [
    (re.compile(r"Object missing required field `(?P<field>\w+)`"), "fe_missing"),
    (re.compile(r"Expected `(int|float)`, got"), "fe_number"),
    (re.compile(r"Expected `(int|float)` <= (?P<limit>\S+)"), "fe_at_most"),
    (re.compile(r"Expected `(int|float)` < (?P<limit>\S+)"), "fe_below"),
    (re.compile(r"Expected `(int|float)` >= (?P<limit>\S+)"), "fe_at_least"),
    (re.compile(r"Expected `(int|float)` > (?P<limit>\S+)"), "fe_above"),
    (re.compile(r"Expected `str` of length <= (?P<limit>\d+)"), "fe_too_long"),
    (re.compile(r"Expected `str` of length >= (?P<limit>\d+)"), "fe_too_short"),
    (re.compile(r"Expected `array` of length <= (?P<limit>\d+)"), "fe_too_many"),
    (re.compile(r"Invalid enum value|Invalid UUID"), "fe_choice"),
    (re.compile(r"RFC3339|Expected `(date|datetime|time)`|timezone"), "fe_date"),
    (re.compile(r"matching regex"), "fe_pattern"),
]
_FIELD = re.compile(r" - at `\$\.(?P<field>\w+)")


class InvalidForm(Refusal):
    """A form value the body struct refused: the API's message, and the same in words."""

    def __init__(self, message: str) -> None:
        super().__init__("invalid_request", message, 400)
        self.field, self.problem, self.values = _explain(message)

    def words(self, tr, labels: dict[str, str] | None = None) -> str | None:
        """What is wrong, in the viewer's language: the field's label and the problem; None
        when there is no field to name (the page's general sentence says enough). `labels`:
        the words a form labels its fields with where they are not the common `f_<field>`
        (a resolve form's `note` is its 处理结果)."""
        if self.field is None:
            return None
        label = (labels or {}).get(self.field, f"f_{self.field}")
        if not words.has(f"console.{label}"):
            return None
        return tr(self.problem, field=tr(label), **self.values)


def _explain(message: str) -> tuple[str | None, str, dict[str, str]]:
    """msgspec's message → (the field, the words key of the problem, the values it names)."""
    at = _FIELD.search(message)
    field = at["field"] if at else None
    for pattern, key in _PROBLEMS:
        found = pattern.search(message)
        if found:
            named = found.groupdict()
            field = named.pop("field", None) or field
            if "limit" in named:  # "5.0" reads as "5"
                named["limit"] = named["limit"].removesuffix(".0")
            return field, key, named
    return field, "fe_invalid", {}


async def read_form(request: Request, runtime: Runtime) -> dict[str, str]:
    """The posted form, after its CSRF token checks out (403 `csrf_failed` otherwise)."""
    form = dict(await request.form())
    if not hmac.compare_digest(str(form.get("_csrf_token", "")), csrf_token(runtime, request)):
        raise ProblemError(403, "csrf_failed", "The form has expired. Reload the page.")
    typed = {key: str(value) for key, value in form.items()}
    request.state.typed = {k: v for k, v in typed.items() if k != "_csrf_token"}
    return typed


def refuse_inside(
    request: Request,
    template: str,
    field: str,
    labels: dict[str, str] | None = None,
    **context: Any,
) -> None:
    """A refusal of this form is shown inside it: `template` again with `context` (plain
    values only: it renders after the rollback), what was typed, and the error next to
    `field` (or the field the body struct names), naming the field by the words the form
    labels it with (`labels`: field → words key, where not the common `f_<field>`)."""
    request.state.form_page = (template, field, context)
    request.state.form_labels = labels or {}


def parse(form: dict[str, str], body: type[Body], **given: Any) -> Body:
    """The form's fields as the API's body struct, with the API's checks: values trimmed, empty
    ones left out (the struct's default applies), fields the struct lacks ignored; `given`
    values (from the path, or worked out from the form) take precedence."""
    names = body.__struct_fields__
    fields: dict[str, Any] = {k: v.strip() for k, v in form.items() if k in names and v.strip()}
    try:
        return msgspec.convert(fields | given, body, strict=False)
    except msgspec.ValidationError as exc:
        raise InvalidForm(str(exc)) from None


async def read(request: Request, runtime: Runtime, body: type[Body], **given: Any) -> Body:
    """The posted form, CSRF-checked, as `body` (see `parse`)."""
    return parse(await read_form(request, runtime), body, **given)


async def read_file(request: Request, runtime: Runtime, field: str, limit: int) -> bytes:
    """The file posted as `field` of a CSRF-checked form (empty when none was chosen), at most
    `limit` bytes; `limit + 1` bytes come back when it is longer, for the caller to refuse."""
    await read_form(request, runtime)
    upload = (await request.form()).get(field)
    if not hasattr(upload, "read"):
        return b""
    return await upload.read(limit + 1)
