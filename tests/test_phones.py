"""The phone normaliser (shared/phones.py): a mobile number however an elderly resident or
their family types it reads as its 11 digits; two numbers, or none, are explained, never
guessed."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.phones import PhoneProblem, read_phone, same_phone

FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
separators = st.sampled_from(["", "", " ", "-", "－", "\u3000", ".", "—"])
prefixes = st.sampled_from(["", "+86", "+86 ", "＋８６ ", "0086", "0086-", "86"])
notes = st.sampled_from(["", "（儿子）", "(女儿)", " 王秀兰", "（家里，晚上打）", " 儿子的"])


@st.composite
def typed(draw, number: str) -> str:
    """The number as a person might type it: some digits full-width, spaces or dashes between
    any of them, a country prefix, a note after it."""
    out = [draw(prefixes)]
    for digit in number:
        out.append(FULL_WIDTH[digit] if draw(st.booleans()) else digit)
        out.append(draw(separators))
    return "".join(out).rstrip(" -－.—\u3000") + draw(notes)


@given(st.data(), mobiles)
def test_a_mobile_however_typed_reads_as_its_eleven_digits(data, mobile):
    text = data.draw(typed(mobile))
    reading = read_phone(text)
    assert reading.number == mobile, (text, reading)
    assert reading.problem is None
    assert same_phone(text, mobile)


@given(st.data(), mobiles, mobiles, st.sampled_from(["，", ",", "/", " 或 ", "、", "；", "  "]))
def test_two_numbers_are_explained_never_guessed(data, first, second, between):
    text = data.draw(typed(first)).split("（")[0].split("(")[0] + between + second
    reading = read_phone(text)
    assert reading.number is None, (text, reading)
    if between.strip():  # with only spaces between, the digits may run together: still refused
        assert reading.problem == PhoneProblem.SEVERAL, (text, reading)
        assert len(reading.seen) == 2


@given(st.text(max_size=60))
def test_any_text_reads_as_one_number_or_a_problem(text):
    reading = read_phone(text)
    if reading.number is None:
        assert reading.problem in set(PhoneProblem)
    else:
        assert reading.problem is None
        assert re.fullmatch(r"\+?[0-9]{5,15}", reading.number), reading
        assert read_phone(reading.number).number == reading.number  # its own one form


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("010-8888 1234", "01088881234"),  # a Beijing landline keeps its area code's 0
        ("0571-88881234转123", "057188881234"),  # an extension is not dialled
        ("+44 20 7946 0958", "+442079460958"),  # abroad keeps its +
        ("8613912345678", "13912345678"),
        ("１３９１２３４５６７８（儿子）", "13912345678"),
    ],
)
def test_landlines_and_numbers_abroad(text, number):
    assert read_phone(text).number == number


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", PhoneProblem.NONE),
        ("儿子的电话", PhoneProblem.NONE),
        ("1234", PhoneProblem.NONE),  # too short to be a number
        ("1391234567", PhoneProblem.NOT_MOBILE),  # a digit missing
        ("139123456789", PhoneProblem.NOT_MOBILE),  # a digit too many
        ("12012345678", PhoneProblem.NOT_MOBILE),  # no mobile begins 12
        ("0" * 16, PhoneProblem.TOO_LONG),
        ("13912345678 13812345678", PhoneProblem.SEVERAL),
    ],
)
def test_what_is_not_one_number_says_why(text, problem):
    reading = read_phone(text)
    assert reading.number is None and reading.problem == problem
    assert not same_phone(text, text)
