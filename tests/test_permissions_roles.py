"""Every role against the rules of residents, visits, field records, devices, the audit and the
console's pages, as tables: admins acting on residents and visits, a worker recording a service
outside their community, and each role that must be told no. Plain functions, no database."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared import permissions as rules
from shared.enums import Role
from shared.permissions import Actor

DISTRICT = "D01"
S01 = "D01/D01-S01"
C01 = "D01/D01-S01/D01-S01-C01"
C02 = "D01/D01-S01/D01-S01-C02"
OTHER = "D01/D01-S02/D01-S02-C01"

ME = uuid.UUID(int=1)
SOMEONE = uuid.UUID(int=2)
WATER = uuid.UUID(int=10)
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

W, M, S, D, A = Role.WORKER, Role.MENTOR, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN
DEP, INS = Role.DEPARTMENT, Role.INSPECTOR
ALL = [W, M, S, D, A, DEP, INS]


def actor(role: Role, path: str = C01, department: uuid.UUID | None = None) -> Actor:
    return Actor(ME, role, path, None, department)


def only(*roles: Role) -> dict[Role, bool]:
    return {role: role in roles for role in ALL}


class TestWhatARoleIs:
    @pytest.mark.parametrize(("role", "expected"), only(S, D, A).items())
    def test_managers(self, role, expected):
        assert actor(role).is_manager is expected
        assert rules.may_supervise(actor(role)) is expected

    @pytest.mark.parametrize(("role", "expected"), only(S, D, A, INS).items())
    def test_who_reads_a_subtree(self, role, expected):
        assert rules.reads_subtree(actor(role)) is expected
        assert rules.may_see_dashboard(actor(role)) is expected
        assert rules.sees_inspection_list(actor(role)) is expected

    @pytest.mark.parametrize(("role", "expected"), only(W, M).items())
    def test_field_staff(self, role, expected):
        assert rules.is_field_role(role) is expected
        assert rules.is_field_role(role.value) is expected

    @pytest.mark.parametrize(("role", "expected"), only(S, D, A, DEP).items())
    def test_who_holds_a_queue(self, role, expected):
        assert rules.holds_a_queue(actor(role)) is expected

    @pytest.mark.parametrize(("role", "expected"), only(S, A).items())
    def test_who_reads_the_audit_and_pairs_mentors(self, role, expected):
        assert rules.may_read_audit(actor(role)) is expected
        assert rules.may_manage_mentoring(actor(role)) is expected

    @pytest.mark.parametrize(
        ("role", "mutation", "expected"),
        [
            (W, "service.record", True),
            (M, "service.record", False),
            (M, "assistance.log", True),
            (W, "assistance.log", False),
            (A, "approval.decide", True),
            (D, "approval.decide", False),
            (A, "resident.update", True),
            (D, "resident.update", False),
            ("worker", "visit.start", True),
            (W, "no.such.mutation", False),
        ],
    )
    def test_who_may_send_a_mutation(self, role, mutation, expected):
        assert rules.may_send(role, mutation) is expected


class TestAdminOnResidentsAndVisits:
    """An admin acts on residents and visits within their part of the tree, as a supervisor."""

    @pytest.mark.parametrize(
        ("unit", "community", "expected"),
        [(DISTRICT, C01, True), (DISTRICT, OTHER, True), (S01, C02, True), (S01, OTHER, False)],
    )
    def test_admin(self, unit, community, expected):
        admin = actor(A, unit)
        assert rules.may_update_resident(admin, community, None) is expected
        assert rules.may_decide_visit(admin, community) is expected
        assert rules.may_dispatch_visit(admin, community) is expected
        assert rules.may_create_in(admin, community) is expected
        assert rules.sees_resident(admin, community, None) is expected
        assert rules.sees_visit(admin, community, SOMEONE, "cancelled", None, NOW) is expected
        assert rules.may_pair_mentor(admin, community) is expected
        assert rules.may_revoke_device(admin, community) is expected

    def test_an_admin_does_not_work_a_visit_or_record_at_the_door(self):
        admin = actor(A, DISTRICT)
        assert not rules.may_work_visit(admin, ME)
        assert not rules.may_record_checkin(admin, C01, ME)
        assert not rules.may_record_service(admin, C01)
        assert not rules.may_log_assistance(admin, ME)
        assert not rules.may_be_assigned(A, C01, C01)


# role, actor's unit, the resident's community, the family's mentor → may update the resident?
UPDATES_RESIDENT = [
    (W, C01, C01, None, True),
    (W, C01, C02, None, False),
    (S, C01, C01, None, True),
    (S, C01, C02, None, False),
    (S, S01, C02, None, True),
    (A, DISTRICT, OTHER, None, True),
    (D, DISTRICT, C01, None, False),  # dispatchers hand work out; they do not edit residents
    (M, C01, C01, ME, False),  # a mentor logs help; the record is the community's
    (INS, DISTRICT, C01, None, False),
    (DEP, DISTRICT, C01, None, False),
]


@pytest.mark.parametrize(("role", "unit", "community", "mentor", "expected"), UPDATES_RESIDENT)
def test_who_may_update_a_resident(role, unit, community, mentor, expected):
    assert rules.may_update_resident(actor(role, unit), community, mentor) is expected


# role, actor's unit, the resident's community → may record a service there?
RECORDS_SERVICE = [
    (W, C01, C01, True),
    (W, C01, C02, False),  # a worker records services in their own community only
    (W, C01, OTHER, False),
    (W, S01, C01, True),  # placed at the subdistrict: every community below it
    (M, C01, C01, False),
    (S, C01, C01, False),
    (A, DISTRICT, C01, False),
]


@pytest.mark.parametrize(("role", "unit", "community", "expected"), RECORDS_SERVICE)
def test_who_may_record_a_service(role, unit, community, expected):
    assert rules.may_record_service(actor(role, unit), community) is expected


# role, actor's unit, community, the family's mentor → may record a check-in?
RECORDS_CHECKIN = [
    (W, C01, C01, None, True),
    (W, C01, C02, None, False),
    (M, C01, C01, ME, True),
    (M, C01, C01, SOMEONE, False),
    (M, C01, C01, None, False),
    (M, C01, C02, ME, True),  # a mentor follows the family, not the community
    (S, C01, C01, None, False),
    (INS, C01, C01, None, False),
]


@pytest.mark.parametrize(("role", "unit", "community", "mentor", "expected"), RECORDS_CHECKIN)
def test_who_may_record_a_checkin(role, unit, community, mentor, expected):
    assert rules.may_record_checkin(actor(role, unit), community, mentor) is expected


@pytest.mark.parametrize(
    ("role", "mentor", "expected"),
    [(M, ME, True), (M, SOMEONE, False), (M, None, False), (W, ME, False), (A, ME, False)],
)
def test_who_may_log_assistance(role, mentor, expected):
    assert rules.may_log_assistance(actor(role), mentor) is expected


@pytest.mark.parametrize(
    ("role", "assignee", "expected"),
    [
        (W, ME, True),
        (M, ME, True),
        (W, SOMEONE, False),
        (W, None, False),
        (S, ME, False),
        (D, ME, False),
        (DEP, ME, False),
    ],
)
def test_who_works_a_visit(role, assignee, expected):
    assert rules.may_work_visit(actor(role), assignee) is expected


# role, actor's unit, community → decide (approve / send back)?, dispatch (assign, cancel)?
DECIDES_AND_DISPATCHES = [
    (S, C01, C01, True, True),
    (S, C01, C02, False, False),
    (S, S01, C02, True, True),
    (D, DISTRICT, C01, False, True),
    (D, C01, C02, False, False),
    (A, DISTRICT, OTHER, True, True),
    (W, C01, C01, False, False),
    (INS, DISTRICT, C01, False, False),
    (DEP, DISTRICT, C01, False, False),
]


@pytest.mark.parametrize(
    ("role", "unit", "community", "decides", "dispatches"), DECIDES_AND_DISPATCHES
)
def test_who_decides_and_who_dispatches_visits(role, unit, community, decides, dispatches):
    who = actor(role, unit)
    assert rules.may_decide_visit(who, community) is decides
    assert rules.may_dispatch_visit(who, community) is dispatches
    assert rules.may_create_in(who, community) is dispatches
    assert rules.manages(who, community) is dispatches


class TestWhoSees:
    @pytest.mark.parametrize(
        ("role", "mentor", "community", "expected"),
        [
            (W, None, C01, True),
            (W, None, C02, False),
            (M, ME, OTHER, True),
            (M, SOMEONE, C01, False),
            (INS, None, C01, True),
            (DEP, None, C01, False),  # a department reads residents only through its requests
        ],
    )
    def test_residents(self, role, mentor, community, expected):
        assert rules.sees_resident(actor(role), community, mentor) is expected

    @pytest.mark.parametrize(
        ("role", "author", "mentor", "community", "expected"),
        [
            (M, ME, None, OTHER, True),  # the mentor's own record
            (M, None, ME, OTHER, True),  # a record about the family they mentor
            (M, SOMEONE, SOMEONE, C01, False),
            (W, SOMEONE, None, C01, True),
            (W, ME, None, C02, False),
        ],
    )
    def test_records_of_a_resident(self, role, author, mentor, community, expected):
        seen = rules.sees_record_of_resident(actor(role), community, mentor, author)
        assert seen is expected

    @pytest.mark.parametrize(
        ("status", "closed_at", "expected"),
        [
            ("assigned", None, True),
            ("in_progress", None, True),
            ("completed", None, True),
            ("returned", None, True),
            ("cancelled", None, False),
            ("approved", None, True),
            ("approved", NOW - timedelta(days=30), True),
            ("approved", NOW - timedelta(days=30, seconds=1), False),
        ],
    )
    def test_a_workers_own_visits(self, status, closed_at, expected):
        assert rules.sees_visit(actor(W), OTHER, ME, status, closed_at, NOW) is expected
        assert not rules.sees_visit(actor(W), C01, SOMEONE, status, closed_at, NOW)

    @pytest.mark.parametrize(("role", "unit"), [(S, C01), (INS, C01), (D, S01)])
    def test_managers_and_inspectors_see_the_visits_of_their_subtree(self, role, unit):
        who = actor(role, unit)
        old = NOW - timedelta(days=365)
        assert rules.sees_visit(who, C01, SOMEONE, "approved", old, NOW)
        assert not rules.sees_visit(who, OTHER, ME, "assigned", None, NOW)

    @pytest.mark.parametrize(
        ("role", "unit", "community", "assignee", "expected"),
        [
            (S, C01, C01, None, True),
            (S, C01, C02, None, False),
            (INS, S01, C02, None, True),
            (W, C01, C01, ME, True),
            (W, C01, C01, SOMEONE, False),
            (M, C01, OTHER, ME, True),
        ],
    )
    def test_plans(self, role, unit, community, assignee, expected):
        assert rules.sees_plan(actor(role, unit), community, assignee) is expected

    def test_within_reach_is_by_whole_path_segments(self):
        assert rules.within_reach(actor(W, S01), C01)
        assert not rules.within_reach(actor(W, C01), S01)
        assert not rules.within_reach(actor(W, "D01/D01-S0"), C01)


@pytest.mark.parametrize(
    ("role", "unit", "owner", "expected"),
    [
        (S, C01, C01, True),
        (S, S01, C02, True),
        (S, C01, OTHER, False),
        (A, DISTRICT, OTHER, True),
        (A, C01, C02, False),
        (D, DISTRICT, C01, False),
        (W, C01, C01, False),
        (INS, DISTRICT, C01, False),
    ],
)
def test_who_may_revoke_a_device(role, unit, owner, expected):
    assert rules.may_revoke_device(actor(role, unit), owner) is expected


@pytest.mark.parametrize(
    ("role", "unit", "expected"),
    [(A, DISTRICT, True), (A, S01, False), (S, DISTRICT, False), (D, DISTRICT, False)],
)
def test_who_reads_audit_entries_tied_to_no_unit(role, unit, expected):
    assert rules.reads_unplaced_audit(actor(role, unit)) is expected


class TestMentors:
    @pytest.mark.parametrize(
        ("role", "unit", "community", "expected"),
        [
            (M, C01, C01, True),
            ("mentor", C01, C01, True),
            (M, C02, C01, False),
            (M, S01, C01, False),
            (W, C01, C01, False),  # a worker is given visits but is no family's mentor
            (S, C01, C01, False),
        ],
    )
    def test_who_may_mentor_a_family(self, role, unit, community, expected):
        assert rules.may_mentor(role, unit, community) is expected

    @pytest.mark.parametrize(
        ("role", "unit", "community", "expected"),
        [
            (S, C01, C01, True),
            (S, C01, C02, False),
            (A, DISTRICT, OTHER, True),
            (D, DISTRICT, C01, False),  # dispatchers manage, but do not pair mentors
            (INS, DISTRICT, C01, False),
        ],
    )
    def test_who_may_pair_a_mentor(self, role, unit, community, expected):
        assert rules.may_pair_mentor(actor(role, unit), community) is expected


class TestRequestsForEveryRole:
    @pytest.mark.parametrize(("role", "expected"), only(D, A).items())
    def test_who_registers_any_call(self, role, expected):
        # An unplaced call naming no resident: only the hotline's own desks take it.
        assert rules.may_register_request(actor(role, DISTRICT), None, False) is expected

    @pytest.mark.parametrize(
        ("role", "department", "routed", "expected"),
        [
            (DEP, WATER, WATER, True),
            (DEP, WATER, None, False),
            (DEP, None, None, False),
            (DEP, WATER, SOMEONE, False),
        ],
    )
    def test_a_departments_requests(self, role, department, routed, expected):
        who = actor(role, DISTRICT, department)
        assert rules.sees_request(who, C01, None, None, routed) is expected
        assert rules.may_work_for_department(who, routed) is expected
        assert rules.may_answer_note(who, None, None, routed) is expected

    @pytest.mark.parametrize(
        ("role", "unit", "community", "expected"),
        [
            (INS, DISTRICT, None, True),
            (INS, S01, C01, True),
            (INS, S01, OTHER, False),
            (S, DISTRICT, C01, False),  # managers answer notes; inspectors write them
        ],
    )
    def test_who_writes_a_supervision_note(self, role, unit, community, expected):
        assert rules.may_supervise_request(actor(role, unit), community) is expected

    def test_a_manager_with_a_department_id_is_no_department(self):
        assert not rules.may_work_for_department(actor(S, DISTRICT, WATER), WATER)

    def test_a_manager_answers_notes_on_the_requests_they_act_on(self):
        assert rules.may_answer_note(actor(S, C01), C01, None, None)
        assert not rules.may_answer_note(actor(S, C01), C02, None, None)
        assert rules.may_answer_note(actor(S, S01), OTHER, S01, None)  # held by the office
        assert not rules.may_answer_note(actor(S, S01), OTHER, None, None)

    def test_an_inspector_reads_but_does_not_act(self):
        inspector = actor(INS, S01)
        assert rules.sees_request(inspector, C01, None)
        assert not rules.may_act_on_request(inspector, C01)
        assert not rules.may_answer_note(inspector, C01, None, None)

    @pytest.mark.parametrize(("role", "expected"), [(DEP, False), (INS, False), (W, False)])
    def test_who_may_register_without_a_resident_elsewhere(self, role, expected):
        assert rules.may_register_request(actor(role), C01, False) is expected

    @pytest.mark.parametrize(
        ("role", "unit", "target", "expected"),
        [(D, DISTRICT, S01, True), (S, S01, C01, True), (S, C01, S01, False), (W, C01, C01, False)],
    )
    def test_who_may_send_a_request_on(self, role, unit, target, expected):
        assert rules.may_dispatch_to(actor(role, unit), target) is expected

    def test_a_department_requests_placed_nowhere_are_the_districts(self):
        assert rules.at_district_level(actor(S, DISTRICT))
        assert not rules.at_district_level(actor(S, S01))
        assert rules.sees_request(actor(INS, DISTRICT), None, None, None)
        assert not rules.sees_request(actor(INS, S01), None, None, None)
        assert rules.sees_request(actor(S, S01), None, None, S01)
        assert rules.sees_request(actor(S, S01), OTHER, None, S01)
