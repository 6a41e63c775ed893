"""The domain rules in shared/: the visit state machine, permissions, the clock and the merge."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import shared
from shared import hlc, visits
from shared.enums import Role, VisitStatus
from shared.merge import merge_fields
from shared.permissions import (
    Actor,
    may_decide_visit,
    may_dispatch_visit,
    may_record_checkin,
    may_revoke_device,
    may_update_resident,
    may_work_visit,
    sees_resident,
    sees_visit,
)

C01 = "D01/D01-S01/D01-S01-C01"
C02 = "D01/D01-S01/D01-S01-C02"
OTHER = "D01/D01-S02/D01-S02-C01"


def actor(role: Role, path: str = C01) -> Actor:
    return Actor(uuid.uuid4(), role, path)


class TestPublicApi:
    def test_all_names_exist(self):
        for name in shared.__all__:
            assert hasattr(shared, name), name

    def test_all_is_the_deliberate_list(self):
        # Changing shared's public API is a decision: update this list with it.
        assert sorted(shared.__all__) == sorted(
            [
                "CATALOGUE",
                "REGISTRY",
                "PROTOCOL_VERSION",
                "RESIDENT_FIELDS",
                "Actor",
                "Category",
                "Change",
                "Channel",
                "Clock",
                "FieldConflict",
                "InvalidArgs",
                "MergeResult",
                "Mutation",
                "MutationResult",
                "MutationSpec",
                "OrgLevel",
                "PullResponse",
                "PushRequest",
                "PushResponse",
                "RiskFlag",
                "Role",
                "Timestamp",
                "TransitionRefused",
                "VisitKind",
                "VisitStatus",
                "Wellbeing",
                "clamp",
                "contains",
                "merge_fields",
                "parse_args",
                "transition",
            ]
        )

    def test_shared_imports_neither_server_nor_kivy(self):
        import pathlib

        for path in pathlib.Path(shared.__file__).parent.glob("*.py"):
            text = path.read_text()
            assert "import server" not in text and "from server" not in text, path
            assert "kivy" not in text, path


class TestVisitStateMachine:
    def test_the_happy_path(self):
        status = VisitStatus.ASSIGNED
        for action, expected in [
            ("start", "in_progress"),
            ("complete", "completed"),
            ("approve", "approved"),
        ]:
            status = visits.transition(status, action)
            assert status == expected

    def test_send_back_and_rework(self):
        status = visits.transition(VisitStatus.COMPLETED, "return")
        assert status == VisitStatus.RETURNED
        assert visits.transition(status, "start") == VisitStatus.IN_PROGRESS

    @pytest.mark.parametrize(
        "status,action",
        [
            ("approved", "start"),
            ("approved", "complete"),
            ("approved", "cancel"),
            ("cancelled", "start"),
            ("cancelled", "complete"),
            ("cancelled", "assign"),
            ("completed", "start"),
            ("completed", "complete"),
            ("in_progress", "approve"),
            ("assigned", "complete"),
            ("returned", "approve"),
            ("approved", "return"),
        ],
    )
    def test_nothing_moves_backwards_or_out_of_a_closed_state(self, status, action):
        with pytest.raises(visits.TransitionRefused) as refused:
            visits.transition(status, action)
        assert refused.value.message.startswith("Cannot")

    def test_closed_states_are_told_apart(self):
        with pytest.raises(visits.TransitionRefused) as refused:
            visits.transition("cancelled", "start")
        assert refused.value.code == "visit_closed"
        assert "cancelled" in refused.value.message

    def test_unknown_action_is_a_programming_error(self):
        with pytest.raises(ValueError):
            visits.transition("assigned", "teleport")

    @given(
        st.lists(
            st.sampled_from(["start", "complete", "approve", "return", "assign", "cancel"]),
            max_size=30,
        )
    )
    def test_closed_is_forever(self, actions):
        status = VisitStatus.ASSIGNED
        closed = False
        for action in actions:
            if visits.can(status, action):
                assert not closed, "a closed visit moved"
                status = visits.transition(status, action)
            closed = status in (VisitStatus.APPROVED, VisitStatus.CANCELLED)


class TestPermissions:
    def test_worker_sees_own_community_only(self):
        worker = actor(Role.WORKER)
        assert sees_resident(worker, C01, None)
        assert not sees_resident(worker, C02, None)
        assert not sees_resident(worker, OTHER, None)

    def test_mentor_sees_only_mentored_families(self):
        mentor = actor(Role.MENTOR)
        assert sees_resident(mentor, C01, mentor.user_id)
        assert not sees_resident(mentor, C01, None)
        assert may_record_checkin(mentor, C01, mentor.user_id)
        assert not may_record_checkin(mentor, C01, uuid.uuid4())

    def test_supervisor_manages_subtree(self):
        community = actor(Role.SUPERVISOR, C01)
        subdistrict = actor(Role.SUPERVISOR, "D01/D01-S01")
        assert may_decide_visit(community, C01) and not may_decide_visit(community, C02)
        assert may_decide_visit(subdistrict, C02) and not may_decide_visit(subdistrict, OTHER)
        assert may_dispatch_visit(actor(Role.DISPATCHER, "D01"), OTHER)
        assert not may_decide_visit(actor(Role.DISPATCHER, "D01"), OTHER)
        assert not may_decide_visit(actor(Role.WORKER), C01)

    def test_path_prefix_is_not_containment(self):
        # D01-S01 must not contain D01-S010: containment is by whole path segments.
        assert not may_dispatch_visit(actor(Role.SUPERVISOR, "D01/D01-S01"), "D01/D01-S010")

    def test_only_the_assignee_works_a_visit(self):
        worker = actor(Role.WORKER)
        assert may_work_visit(worker, worker.user_id)
        assert not may_work_visit(worker, uuid.uuid4())
        assert not may_work_visit(actor(Role.SUPERVISOR), None)

    def test_worker_visit_visibility(self):
        worker = actor(Role.WORKER)
        now = datetime.now(UTC)
        mine = worker.user_id
        assert sees_visit(worker, C01, mine, "assigned", None, now)
        assert not sees_visit(worker, C01, uuid.uuid4(), "assigned", None, now)
        assert not sees_visit(worker, C01, mine, "cancelled", now, now)
        assert sees_visit(worker, C01, mine, "approved", now - timedelta(days=29), now)
        assert not sees_visit(worker, C01, mine, "approved", now - timedelta(days=31), now)

    def test_resident_edits(self):
        assert may_update_resident(actor(Role.WORKER), C01, None)
        assert not may_update_resident(actor(Role.WORKER), OTHER, None)
        assert not may_update_resident(actor(Role.DISPATCHER, "D01"), C01, None)
        assert may_update_resident(actor(Role.SUPERVISOR), C01, None)

    def test_revoking_devices(self):
        assert may_revoke_device(actor(Role.SUPERVISOR), C01)
        assert not may_revoke_device(actor(Role.SUPERVISOR), OTHER)
        assert may_revoke_device(actor(Role.ADMIN, "D01"), OTHER)
        assert not may_revoke_device(actor(Role.WORKER), C01)


class TestClock:
    def test_format_sorts_as_time(self):
        clock = hlc.Clock("a1b2c3d4", wall=lambda: 1764288000000)
        first, second = clock.now(), clock.now()
        assert first == "1764288000000:00000:a1b2c3d4"
        assert second == "1764288000000:00001:a1b2c3d4"
        assert first < second

    def test_never_goes_backwards_when_the_wall_does(self):
        walls = iter([2000, 1000, 1500, 3000])
        clock = hlc.Clock("n", wall=lambda: next(walls))
        stamps = [clock.now() for _ in range(4)]
        assert stamps == sorted(stamps) and len(set(stamps)) == 4

    def test_receive_moves_past_the_remote(self):
        clock = hlc.Clock("slow", wall=lambda: 1000)
        remote = "0000000005000:00007:fast"
        assert clock.receive(remote) > remote
        assert clock.now() > remote

    def test_clamp_takes_the_servers_clock_for_stamps_from_the_future(self):
        server = hlc.Clock("srv", wall=lambda: 10_000)
        ahead = "0000086410000:00000:phone"  # a day ahead
        clamped = hlc.clamp(ahead, server)
        assert clamped.startswith("0000000010000:")
        behind = "0000000009000:00000:phone"
        assert hlc.clamp(behind, server) == behind

    def test_rejects_malformed(self):
        for text in ["", "123:1:x", "1764288000000:00003:", "1764288000000:3:a", "x" * 40]:
            assert not hlc.is_valid(text)

    @given(st.lists(st.tuples(st.booleans(), st.integers(0, 10**6)), max_size=50))
    def test_monotonic_under_any_wall_and_messages(self, events):
        wall = [0]
        clock = hlc.Clock("n", wall=lambda: wall[0])
        last = clock.now()
        for is_receive, value in events:
            if is_receive:
                remote = f"{value:013d}:00000:r"
                stamp = clock.receive(remote)
                assert stamp > remote
            else:
                wall[0] = value
                stamp = clock.now()
            assert stamp > last
            last = stamp


class TestMerge:
    def test_later_write_wins_per_field(self):
        result = merge_fields(
            {"phone": "1", "notes": "a"},
            {"phone": "0002", "notes": "0009"},
            {"phone": "2", "notes": "b"},
            "0005",
        )
        assert result.values == {"phone": "2"}
        assert [c.field for c in result.conflicts] == ["notes"]
        assert result.conflicts[0].loser == "incoming"
        assert result.conflicts[0].kept_value == "a"

    def test_concurrent_win_reports_the_replaced_value(self):
        result = merge_fields(
            {"phone": "theirs"},
            {"phone": "0002"},
            {"phone": "mine"},
            "0005",
            base={"phone": "original"},
        )
        assert result.values == {"phone": "mine"}
        assert result.conflicts[0].loser == "existing"
        assert result.conflicts[0].lost_value == "theirs"

    def test_sequential_edit_is_no_conflict(self):
        result = merge_fields(
            {"phone": "seen"}, {"phone": "0002"}, {"phone": "new"}, "0005", base={"phone": "seen"}
        )
        assert result.values == {"phone": "new"} and result.conflicts == []

    @given(
        st.lists(
            st.tuples(st.sampled_from(["phone", "notes"]), st.text(max_size=3), st.integers(1, 50)),
            max_size=12,
        ),
        st.randoms(),
    )
    def test_order_of_arrival_does_not_matter(self, writes, rnd):
        """Applying the same writes in any order converges to the same record."""

        def replay(order):
            values, clocks = {}, {}
            for field, value, tick in order:
                stamp = f"{tick:013d}:00000:{value.encode().hex() or 'x'}"[:40]
                result = merge_fields(values, clocks, {field: value}, stamp)
                values.update(result.values)
                clocks.update(result.clocks)
            return values

        shuffled = list(writes)
        rnd.shuffle(shuffled)
        assert replay(writes) == replay(shuffled)
