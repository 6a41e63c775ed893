"""A phone number as people type it, made into one form: full-width digits, spaces, dashes,
dots, a leading +86 or 0086 and a note beside the number ("13912345678（儿子）") are all
understood; what cannot be read as one number is explained by a problem code.

The one form is what staff dial: a mainland mobile as its 11 digits, a landline as its digits
with the area code's 0, a number abroad as + and its digits. Used by the residents' pages (the
report form, the look-up) and by the look-up's comparison, so that "139 1234 5678" finds a
request filed as "13912345678"."""

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# What may sit between the digits of one number. Anything else (letters, Chinese, brackets,
# commas, slashes) separates two numbers, or a number from a note about it.
_NUMBER_RUN = re.compile(r"\+?[0-9](?:[0-9 .\-]*[0-9])?")
MIN_DIGITS = 5  # 110, 120 and the hotline's own number are not a resident's phone
MAX_DIGITS = 15  # E.164's longest
MOBILE = re.compile(r"1[3-9][0-9]{9}")


class PhoneProblem(StrEnum):
    """Why the text is not one phone number (each has words: public.phone_<code>)."""

    NONE = "none"  # no run of digits long enough to be a number
    SEVERAL = "several"  # two or more numbers: which one?
    NOT_MOBILE = "not_mobile"  # starts like a mobile (1…) but is not 11 digits of 13…19…
    TOO_LONG = "too_long"  # more digits than any phone number has


@dataclass(frozen=True)
class PhoneReading:
    """What was read: the number in its one form, or the problem and the numbers seen."""

    number: str | None  # the number in its one form; None when there is a problem
    problem: PhoneProblem | None = None
    seen: tuple[str, ...] = ()  # the candidate numbers, as read (for the explanation)


def _digits(run: str) -> str:
    return "".join(ch for ch in run if ch.isdigit() or ch == "+")


def _one_form(raw: str) -> PhoneReading:
    digits = _digits(raw)
    abroad = digits.startswith("+")
    digits = digits.lstrip("+")
    if abroad and digits.startswith("86"):
        digits, abroad = digits[2:], False
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86") and MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]
    if abroad:
        if len(digits) > MAX_DIGITS:
            return PhoneReading(None, PhoneProblem.TOO_LONG, (raw,))
        return PhoneReading("+" + digits)
    if digits.startswith("1") and len(digits) >= 8 and not MOBILE.fullmatch(digits):
        return PhoneReading(None, PhoneProblem.NOT_MOBILE, (raw,))
    if len(digits) > MAX_DIGITS:
        return PhoneReading(None, PhoneProblem.TOO_LONG, (raw,))
    return PhoneReading(digits)


def read_phone(text: str) -> PhoneReading:
    """The one phone number in `text`, or why there is not exactly one."""
    plain = unicodedata.normalize("NFKC", text)
    # Dashes of other widths (－ — – ‐) read as the hyphen; the ideographic space NFKC makes a
    # space already.
    plain = re.sub(r"[\u2010-\u2015\u2212\ufe63]", "-", plain)
    runs = [m.group().strip() for m in _NUMBER_RUN.finditer(plain)]
    numbers = [run for run in runs if sum(ch.isdigit() for ch in run) >= MIN_DIGITS]
    if not numbers:
        return PhoneReading(None, PhoneProblem.NONE)
    if len(numbers) > 1:
        return PhoneReading(None, PhoneProblem.SEVERAL, tuple(numbers))
    reading = _one_form(numbers[0])
    # "13912345678 13812345678": two numbers with only a space between them.
    parts = numbers[0].split()
    if reading.problem and len(parts) > 1 and all(_is_whole(part) for part in parts):
        return PhoneReading(None, PhoneProblem.SEVERAL, tuple(parts))
    return reading


def _is_whole(part: str) -> bool:
    """Whether this piece reads as a whole number by itself (a mobile, or 7+ digits)."""
    reading = _one_form(part)
    return reading.number is not None and len(reading.number.lstrip("+")) >= 7


def same_phone(first: str, second: str) -> bool:
    """Whether two typed numbers are the same number (both must read as one)."""
    a, b = read_phone(first).number, read_phone(second).number
    return a is not None and a == b


__all__ = ["MIN_DIGITS", "PhoneProblem", "PhoneReading", "read_phone", "same_phone"]
