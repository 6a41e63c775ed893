"""The hybrid logical clock and the field merge at their edges: a spent counter, bad node ids,
a clock resumed from its last stamp, equal stamps, and what a losing write reports."""

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import hlc
from shared.hlc import MAX_COUNTER, Clock, Timestamp, clamp
from shared.merge import FieldConflict, merge_fields


def stuck(millis: int):
    """A wall clock that never moves (a phone in a drawer, or many edits within one ms)."""
    return lambda: millis


class TestSpentCounter:
    def test_the_counter_reaches_its_maximum_and_no_further(self):
        clock = Clock("n", wall=stuck(1000), last=f"0000000001000:{MAX_COUNTER - 1:05d}:n")
        assert clock.now() == f"0000000001000:{MAX_COUNTER}:n"
        # One more within the same millisecond borrows the next one rather than overflow.
        assert clock.now() == "0000000001001:00000:n"
        assert clock.now() == "0000000001001:00001:n"

    def test_the_counter_has_five_digits(self):
        # Written out, not taken from MAX_COUNTER: a changed maximum must fail here.
        clock = Clock("n", wall=stuck(1000), last="0000000001000:99998:n")
        assert [clock.now(), clock.now()] == ["0000000001000:99999:n", "0000000001001:00000:n"]

    def test_a_spent_counter_never_runs_the_clock_backwards(self):
        clock = Clock("n", wall=stuck(5), last=f"0000000001000:{MAX_COUNTER:05d}:n")
        stamps = [clock.now() for _ in range(3)]
        assert stamps == ["0000000001001:00000:n", "0000000001001:00001:n", "0000000001001:00002:n"]
        assert stamps[0] > f"0000000001000:{MAX_COUNTER:05d}:n"
        assert all(hlc.is_valid(stamp) for stamp in stamps)

    def test_receiving_a_spent_remote_moves_past_it(self):
        clock = Clock("slow", wall=stuck(10))
        remote = f"0000000002000:{MAX_COUNTER:05d}:fast"
        assert clock.receive(remote) == "0000000002001:00000:slow"
        assert clock.last == "0000000002001:00000:slow"

    @given(st.integers(0, MAX_COUNTER), st.integers(1, 50))
    def test_stamps_stay_valid_and_increasing_through_the_counter(self, counter, count):
        clock = Clock("n", wall=stuck(7), last=f"0000000000007:{counter:05d}:n")
        last = clock.last
        for _ in range(count):
            stamp = clock.now()
            parsed = Timestamp.parse(stamp)
            assert stamp > last and 0 <= parsed.counter <= MAX_COUNTER
            last = stamp


class TestNodeIds:
    @pytest.mark.parametrize("node", ["", "a" * 33, "a:b", "a b", "节点", "a/b", "a.b", "n\n"])
    def test_a_bad_node_id_is_refused(self, node):
        with pytest.raises(ValueError) as refused:
            Clock(node)
        assert str(refused.value) == f"bad node id {node!r}"

    @pytest.mark.parametrize("node", ["a", "a" * 32, "Az09_-", "-"])
    def test_a_good_node_id_is_kept_in_every_stamp(self, node):
        clock = Clock(node, wall=stuck(1))
        assert clock.node == node
        assert clock.now() == f"0000000000001:00000:{node}"


class TestResumedClock:
    def test_a_clock_resumes_after_its_last_stamp(self):
        clock = Clock("n", wall=stuck(100), last="0000000000500:00042:n")
        assert clock.last == "0000000000500:00042:n"
        assert clock.now() == "0000000000500:00043:n"

    def test_a_clock_resumes_with_the_wall_when_the_wall_is_ahead(self):
        clock = Clock("n", wall=stuck(900), last="0000000000500:00042:n")
        assert clock.now() == "0000000000900:00000:n"

    def test_a_clock_without_a_last_stamp_starts_at_zero(self):
        for last in (None, ""):
            clock = Clock("n", wall=stuck(0), last=last)
            assert clock.last == "0000000000000:00000:n"
            assert clock.now() == "0000000000000:00001:n"

    def test_a_malformed_last_stamp_is_refused(self):
        with pytest.raises(ValueError) as refused:
            Clock("n", last="yesterday")
        assert str(refused.value) == "not a hybrid logical clock timestamp: 'yesterday'"


class TestTimestamps:
    def test_written_with_fixed_widths(self):
        assert str(Timestamp(5, 7, "x")) == "0000000000005:00007:x"

    def test_parse_reads_every_part(self):
        assert Timestamp.parse("1764288000000:00003:ab_c") == Timestamp(1764288000000, 3, "ab_c")

    @pytest.mark.parametrize(
        "text",
        [
            "1764288000000:00003:",
            "764288000000:00003:a",
            "1764288000000:0003:a",
            "1764288000000:00003:a:b",
            " 1764288000000:00003:a",
            "1764288000000:00003:" + "a" * 33,
        ],
    )
    def test_parse_refuses_what_is_not_a_stamp(self, text):
        with pytest.raises(ValueError) as refused:
            Timestamp.parse(text)
        assert repr(text) in str(refused.value)
        assert not hlc.is_valid(text)

    def test_only_strings_are_valid(self):
        assert hlc.is_valid("1764288000000:00003:a")
        assert not hlc.is_valid(None)
        assert not hlc.is_valid(1764288000000)

    def test_the_wall_is_unix_milliseconds(self):
        before = time.time_ns() // 1_000_000
        wall = hlc.wall_millis()
        after = time.time_ns() // 1_000_000
        assert before <= wall <= after

    def test_a_clock_reads_the_real_wall_by_default(self):
        stamp = Timestamp.parse(Clock("n").now())
        assert abs(stamp.millis - time.time_ns() // 1_000_000) < 60_000


class TestClamp:
    def test_a_stamp_equal_to_the_servers_stands(self):
        server = Clock("srv", wall=stuck(10_000))
        # The server's next stamp is 10000:00000:srv; the same stamp from outside stands.
        assert clamp("0000000010000:00000:srv", server) == "0000000010000:00000:srv"

    def test_a_stamp_one_counter_ahead_is_replaced(self):
        server = Clock("srv", wall=stuck(10_000))
        assert clamp("0000000010000:00001:phone", server) == "0000000010000:00000:srv"

    def test_clamping_advances_the_servers_clock(self):
        server = Clock("srv", wall=stuck(10_000))
        clamp("0000000000001:00000:phone", server)
        assert server.last == "0000000010000:00000:srv"


class TestMergeEdges:
    def test_an_equal_stamp_does_not_take_the_field(self):
        result = merge_fields({"phone": "1"}, {"phone": "0005"}, {"phone": "2"}, "0005")
        assert result.values == {} and result.clocks == {}
        assert result.conflicts == [FieldConflict("phone", "incoming", "2", "1")]

    def test_a_field_never_written_takes_any_stamp(self):
        result = merge_fields({}, {}, {"notes": "x"}, "0001")
        assert result.values == {"notes": "x"} and result.clocks == {"notes": "0001"}
        assert result.conflicts == []

    def test_a_losing_write_of_the_same_value_is_no_conflict(self):
        result = merge_fields({"phone": "1"}, {"phone": "0009"}, {"phone": "1"}, "0005")
        assert result == merge_fields({}, {}, {}, "0005")

    def test_a_winning_write_of_the_same_value_moves_the_stamp_without_conflict(self):
        result = merge_fields(
            {"phone": "1"}, {"phone": "0002"}, {"phone": "1"}, "0005", base={"phone": "0"}
        )
        assert result.values == {"phone": "1"} and result.clocks == {"phone": "0005"}
        assert result.conflicts == []

    def test_a_field_outside_the_base_is_not_concurrent(self):
        result = merge_fields(
            {"phone": "theirs"}, {"phone": "0002"}, {"phone": "mine"}, "0005", base={"notes": "x"}
        )
        assert result.values == {"phone": "mine"} and result.conflicts == []

    def test_a_concurrent_loss_reports_both_values(self):
        result = merge_fields(
            {"phone": "theirs", "notes": "n"},
            {"phone": "0002", "notes": "0009"},
            {"phone": "mine", "notes": "m"},
            "0005",
            base={"phone": "original", "notes": "o"},
        )
        assert result.values == {"phone": "mine"} and result.clocks == {"phone": "0005"}
        assert result.conflicts == [
            FieldConflict("phone", "existing", "theirs", "mine"),
            FieldConflict("notes", "incoming", "m", "n"),
        ]

    def test_only_the_written_fields_are_reported_or_written(self):
        result = merge_fields(
            {"phone": "1", "address": "a"},
            {"phone": "0001", "address": "0001"},
            {"phone": "2"},
            "3",
        )
        assert set(result.values) == {"phone"} and set(result.clocks) == {"phone"}
