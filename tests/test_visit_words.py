"""A visit's title and cancel reason in the reader's language: a code the server stored is worded
from the catalogue, a person's own words are shown as typed, and a record from a server that knew
no codes (no such field at all) reads as its text. The same for a phone's record (a dict) and a
server's row (attributes). No database."""

from types import SimpleNamespace

import pytest

from shared.visits import CANCEL_CODES, TITLE_CODES, cancel_words, title_words
from shared.words import word


def as_dict(**fields) -> dict:
    return dict(fields)


def as_row(**fields) -> SimpleNamespace:
    return SimpleNamespace(**fields)


SHAPES = [as_dict, as_row]


@pytest.mark.parametrize("shape", SHAPES)
def test_a_title_code_is_worded_in_the_readers_language(shape):
    visit = shape(title="", title_code="elder_visit")
    assert title_words(visit, "zh") == "独居老人探访"
    assert title_words(visit, "en") == "Visit to an elder living alone"
    assert title_words(visit) == "独居老人探访"  # Chinese unless asked otherwise
    # The code wins over a stale typed title.
    assert title_words(shape(title="旧标题", title_code="home_service"), "en") == "Home service"


@pytest.mark.parametrize("shape", SHAPES)
def test_a_typed_title_is_shown_as_typed(shape):
    assert title_words(shape(title="给王奶奶送药", title_code=""), "en") == "给王奶奶送药"
    assert title_words(shape(title="给王奶奶送药", title_code=None), "zh") == "给王奶奶送药"
    assert title_words(shape(title="给王奶奶送药"), "en") == "给王奶奶送药"  # no code field


@pytest.mark.parametrize("shape", SHAPES)
def test_a_visit_without_title_reads_as_empty(shape):
    assert title_words(shape(), "en") == ""
    assert title_words(shape(title=None, title_code=None), "zh") == ""


@pytest.mark.parametrize("shape", SHAPES)
def test_a_cancel_code_is_worded_and_a_reason_shown_as_typed(shape):
    coded = shape(cancel_reason="", cancel_code="mentoring_ended")
    assert cancel_words(coded, "zh") == "一帮一结对已解除"
    assert cancel_words(coded, "en") == "The one-helps-one pairing has ended"
    assert cancel_words(coded) == "一帮一结对已解除"
    typed = shape(cancel_reason="老人住院了", cancel_code="")
    assert cancel_words(typed, "en") == "老人住院了"
    assert cancel_words(shape(cancel_reason="老人住院了"), "en") == "老人住院了"
    assert cancel_words(shape(), "zh") == ""


def test_every_code_has_its_words_in_both_languages():
    for prefix, codes in (("visit.title_", TITLE_CODES), ("visit.cancel_", CANCEL_CODES)):
        for code in codes:
            zh, en = word(prefix + code, "zh"), word(prefix + code, "en")
            assert zh != prefix + code and en != prefix + code and zh != en, code
    for code in TITLE_CODES:
        assert title_words({"title_code": code}, "en") == word(f"visit.title_{code}", "en")
    for code in CANCEL_CODES:
        assert cancel_words({"cancel_code": code}, "en") == word(f"visit.cancel_{code}", "en")
