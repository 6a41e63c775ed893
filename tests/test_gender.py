"""A recorded gender is read as a code whatever its spelling, and worded in each language."""

import pytest

from shared.gender import gender_code
from shared.words import word


@pytest.mark.parametrize(
    ("recorded", "code"),
    [("女", "female"), ("男", "male"), (" Female ", "female"), ("M", "male"), ("f", "female")]
    + [("", None), (None, None), ("未知", None), ("其他", None)],
)
def test_spellings(recorded, code):
    assert gender_code(recorded) == code


def test_words_in_both_languages():
    assert (word("phone.gender_female", "zh"), word("phone.gender_female", "en")) == (
        "女",
        "Female",
    )
    assert (word("phone.gender_male", "zh"), word("phone.gender_male", "en")) == ("男", "Male")
