"""The address library's matcher (`shared.addresses.place`): a street address is placed by its
street and its building number in a stretch's range; it answers every community that fits, so
that none or several are a question, never a guess."""

from hypothesis import given
from hypothesis import strategies as st

from shared.addresses import Stretch, normalise, number_after, place

LIBRARY = [
    Stretch("解放路", "C1", 1, 200),
    Stretch("解放大街", "C1", 1, 80),
    Stretch("解放大街", "C2", 81, 160),
    Stretch("育才巷", "C2"),  # the whole lane, no numbers given
    Stretch("人民路", "C3", 1, 99),
    Stretch("人民路", "C4", 50, 150),  # 50–99: both communities claim them
    Stretch("新人民路", "C5", 1, 30),
]


def test_a_street_and_a_number_in_its_range_place_the_address():
    placed = place("解放路12号", LIBRARY)
    assert (placed.street, placed.number, placed.community) == ("解放路", 12, "C1")
    assert place("解放大街100号3单元", LIBRARY).community == "C2"
    assert place("解放大街80号", LIBRARY).community == "C1"  # both ends belong to the range
    assert place("解放大街81号", LIBRARY).community == "C2"


def test_a_street_alone_places_it_when_one_community_has_the_street():
    placed = place("解放路菜市场后身", LIBRARY)
    assert (placed.street, placed.number, placed.community) == ("解放路", None, "C1")
    assert place("育才巷7号院", LIBRARY).community == "C2"  # a whole street takes any number


def test_it_asks_when_several_communities_share_the_street_and_number():
    shared = place("人民路60号", LIBRARY)
    assert shared.community is None and shared.ambiguous
    assert set(shared.communities) == {"C3", "C4"}
    assert place("人民路20号", LIBRARY).community == "C3"
    assert place("人民路120号", LIBRARY).community == "C4"
    street_only = place("解放大街菜市场", LIBRARY)  # the avenue runs through two communities
    assert street_only.community is None and set(street_only.communities) == {"C1", "C2"}


def test_it_asks_when_it_cannot_place():
    assert place("月亮湾小区3栋", LIBRARY).communities == ()
    beyond = place("解放路300号", LIBRARY)  # the street is known, the number is not
    assert beyond.street == "解放路" and beyond.communities == ()
    assert place("", LIBRARY).communities == () and place("解放路1号", []).communities == ()


def test_the_longest_street_wins_and_writing_varies():
    assert place("新人民路5号", LIBRARY).community == "C5"  # not 人民路
    assert place("解放路 １２ 号", LIBRARY).number == 12  # full-width digits, spaces
    assert place("解放大街第90号", LIBRARY).community == "C2"
    assert place("解放大街90-2号", LIBRARY).number == 90
    assert number_after(normalise("解放路甲12号"), 3) is None  # not a number we can read


@given(st.integers(min_value=1, max_value=160), st.text(max_size=8))
def test_every_number_of_the_avenue_has_exactly_one_community(number, rest):
    placed = place(f"解放大街{number}号{rest}", LIBRARY)
    assert placed.street == "解放大街" and placed.number == number
    assert placed.community == ("C1" if number <= 80 else "C2")
