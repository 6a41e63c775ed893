"""Who may read and write what: the one place that decides, by role and place in the org tree.

Every rule is a plain function of the actor and the facts of the record (its community's path,
its assignee, its mentor). The server calls these for every read and write; the pull uses the
same functions to decide what a phone holds.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from shared.enums import Role, VisitStatus
from shared.mutations import REGISTRY
from shared.orgtree import SEPARATOR, contains

MANAGERS = frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN})
# A worker's phone keeps its closed visits this long, then lets them go.
CLOSED_VISIT_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: who, in which role, placed where in the tree."""

    user_id: UUID
    role: Role
    unit_path: str
    device_id: UUID | None = None
    department_id: UUID | None = None  # a department's staff: the department they act for

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGERS


# Workers and mentors: they hold their own work, not their unit's, and are given work.
FIELD_STAFF = frozenset({Role.WORKER, Role.MENTOR})


def reads_subtree(actor: Actor) -> bool:
    """Managers, and inspectors (纪检监察), read every record of their unit's subtree;
    inspectors change none of it."""
    return actor.is_manager or actor.role is Role.INSPECTOR


def is_field_role(role: Role | str) -> bool:
    return role in FIELD_STAFF


def may_send(role: Role | str, mutation: str) -> bool:
    """Whether a role may make a mutation at all; the record's facts are checked on arrival."""
    spec = REGISTRY.get(mutation)
    return spec is not None and role in spec.senders


def manages(actor: Actor, unit_path: str) -> bool:
    """A supervisor, dispatcher or admin manages their unit and every unit below it."""
    return actor.is_manager and contains(actor.unit_path, unit_path)


def within_reach(actor: Actor, community_path: str) -> bool:
    """Whether a record in this community is the actor's to hear of at all: refusals outside
    it answer not_found, so that no answer tells a record exists elsewhere."""
    return contains(actor.unit_path, community_path)


# Roles that read the residents placed in their unit and below, and the residents' records.
# A role named nowhere here reads none (deny by default). A department is not named: it reads
# of a resident only what a request routed to it carries (caller, phone, address).
READS_RESIDENTS = MANAGERS | {Role.WORKER, Role.INSPECTOR}


def sees_resident(actor: Actor, community_path: str, mentor_id: UUID | None) -> bool:
    if actor.role is Role.MENTOR:
        return mentor_id == actor.user_id
    return actor.role in READS_RESIDENTS and contains(actor.unit_path, community_path)


def may_update_resident(actor: Actor, community_path: str, mentor_id: UUID | None) -> bool:
    if actor.role is Role.WORKER:
        return contains(actor.unit_path, community_path)
    if actor.role in (Role.SUPERVISOR, Role.ADMIN):
        return manages(actor, community_path)
    return False


def sees_visit(
    actor: Actor,
    community_path: str,
    assignee_id: UUID | None,
    status: VisitStatus | str,
    closed_at: datetime | None,
    now: datetime,
) -> bool:
    """Managers and inspectors see every visit of their subtree; field staff their own, open
    or recently closed."""
    if reads_subtree(actor):
        return contains(actor.unit_path, community_path)
    if actor.role not in FIELD_STAFF or assignee_id != actor.user_id:
        return False
    status = VisitStatus(status)
    if status is VisitStatus.CANCELLED:
        return False
    if status is VisitStatus.APPROVED:
        return closed_at is None or now - closed_at <= CLOSED_VISIT_RETENTION
    return True


def sees_record_of_resident(
    actor: Actor, community_path: str, mentor_id: UUID | None, author_id: UUID | None
) -> bool:
    """Check-ins, service records and assistance follow their resident; a mentor sees their own."""
    if actor.role is Role.MENTOR:
        return author_id == actor.user_id or mentor_id == actor.user_id
    return actor.role in READS_RESIDENTS and contains(actor.unit_path, community_path)


def may_record_checkin(actor: Actor, community_path: str, mentor_id: UUID | None) -> bool:
    if actor.role is Role.WORKER:
        return contains(actor.unit_path, community_path)
    if actor.role is Role.MENTOR:
        return mentor_id == actor.user_id
    return False


def may_record_service(actor: Actor, community_path: str) -> bool:
    return actor.role is Role.WORKER and contains(actor.unit_path, community_path)


def may_log_assistance(actor: Actor, mentor_id: UUID | None) -> bool:
    return actor.role is Role.MENTOR and mentor_id == actor.user_id


def may_work_visit(actor: Actor, assignee_id: UUID | None) -> bool:
    """Starting and completing a visit is for its assignee only."""
    return actor.role in (Role.WORKER, Role.MENTOR) and assignee_id == actor.user_id


def may_decide_visit(actor: Actor, community_path: str) -> bool:
    return actor.role in (Role.SUPERVISOR, Role.ADMIN) and manages(actor, community_path)


def may_dispatch_visit(actor: Actor, community_path: str) -> bool:
    """Assign, reassign and cancel: dispatchers and supervisors (and admins) of the unit."""
    return manages(actor, community_path)


def may_create_in(actor: Actor, unit_path: str) -> bool:
    """Creating residents and visits: managers, within their part of the tree."""
    return manages(actor, unit_path)


def may_revoke_device(actor: Actor, owner_unit_path: str) -> bool:
    if actor.role is Role.ADMIN:
        return contains(actor.unit_path, owner_unit_path)
    return actor.role is Role.SUPERVISOR and contains(actor.unit_path, owner_unit_path)


def sees_plan(actor: Actor, community_path: str, assignee_id: UUID | None) -> bool:
    """A visit plan: its community's managers and inspectors, and the person who makes its
    visits."""
    if reads_subtree(actor):
        return contains(actor.unit_path, community_path)
    return actor.role in FIELD_STAFF and assignee_id == actor.user_id


def may_read_audit(actor: Actor) -> bool:
    """Supervisors and admins read the audit trail of their part of the tree."""
    return actor.role in (Role.SUPERVISOR, Role.ADMIN)


def reads_unplaced_audit(actor: Actor) -> bool:
    """Entries tied to no unit (sign-ins, accounts) are for an admin at the top of the tree."""
    return actor.role is Role.ADMIN and at_district_level(actor)


# Hotline requests and who is given work.


def at_district_level(actor: Actor) -> bool:
    """Whether the actor's unit is the district itself (the root of the tree)."""
    return SEPARATOR not in actor.unit_path


def sees_request(
    actor: Actor,
    community_path: str | None,
    assignee_id: UUID | None,
    holder_path: str | None = None,
    department_id: UUID | None = None,
) -> bool:
    """Who sees a hotline request.

    Managers see the requests placed in a community of their subtree or held by a unit of it
    (`holder_path`: a subdistrict the district sent it to). A request neither placed nor held
    below the district belongs to the district: only managers at district level see it.
    Inspectors read the same as a manager of their unit. A department's staff see the requests
    routed to their department, in every community. Field staff see the requests assigned to
    them. The API, the console, the request list's SQL filter and the phone's scope all follow
    this one rule.
    """
    if actor.is_manager or actor.role is Role.INSPECTOR:
        places = [p for p in (community_path, holder_path) if p is not None]
        if not places:
            return at_district_level(actor)
        return any(contains(actor.unit_path, p) for p in places)
    if actor.role is Role.DEPARTMENT:
        return department_id is not None and department_id == actor.department_id
    return actor.role in FIELD_STAFF and assignee_id is not None and assignee_id == actor.user_id


def may_register_request(actor: Actor, community_path: str | None, names_resident: bool) -> bool:
    """Who may register a request.

    Dispatchers and admins register any call. Field staff (workers, mentors) register from the
    field only for a resident they see (the caller checks that resident with `sees_resident`
    first). A supervisor registers for a resident they see or for an address placed within
    their part of the tree.
    """
    if actor.role in (Role.DISPATCHER, Role.ADMIN):
        return True
    if actor.role in FIELD_STAFF:
        return names_resident
    if actor.role is Role.SUPERVISOR:
        return names_resident or (community_path is not None and manages(actor, community_path))
    return False


def may_act_on_request(
    actor: Actor, community_path: str | None, holder_path: str | None = None
) -> bool:
    """Dispatch, assign, verify, tell the resident, record a rating, answer a supervision
    note: managers who see the request. Inspectors see it too, but change nothing."""
    return actor.is_manager and sees_request(actor, community_path, None, holder_path)


def may_dispatch_to(actor: Actor, target_path: str) -> bool:
    """Sending a request on to a unit: a manager, to their own unit or a unit below it (the
    district to a subdistrict or a community, a subdistrict office to its communities)."""
    return manages(actor, target_path)


def may_work_for_department(actor: Actor, department_id: UUID | None) -> bool:
    """Accept, resolve, transfer, return, answer a note: the staff of the department the
    request is routed to, and nobody else."""
    return (
        actor.role is Role.DEPARTMENT
        and department_id is not None
        and department_id == actor.department_id
    )


def may_supervise_request(
    actor: Actor, community_path: str | None, holder_path: str | None = None
) -> bool:
    """Adding a supervision note (督办): inspectors, on the requests they read."""
    return actor.role is Role.INSPECTOR and sees_request(actor, community_path, None, holder_path)


def may_answer_note(
    actor: Actor,
    community_path: str | None,
    holder_path: str | None,
    department_id: UUID | None,
) -> bool:
    """Answering a supervision note: the level responsible for the request now — the
    department it is routed to, or a manager who may act on it."""
    return may_work_for_department(actor, department_id) or may_act_on_request(
        actor, community_path, holder_path
    )


def may_be_assigned(
    assignee_role: Role | str, assignee_unit_path: str, community_path: str | None
) -> bool:
    """Who may be given work (a visit, or a hotline request through its visit).

    Field staff — a worker or a mentor — of the record's own community, and nobody else:
    supervisors, dispatchers and admins hand work out but are not given it, and staff of
    another community (or of a unit above it) do not take a community's work.
    """
    return (
        community_path is not None
        and Role(assignee_role) in FIELD_STAFF
        and assignee_unit_path == community_path
    )


# The web console: which pages a role may open, and mentoring (一帮一).


def may_see_dashboard(actor: Actor) -> bool:
    """The dashboard's figures are for managers (supervisors, dispatchers, admins) and for
    inspectors, who read everything in their subtree."""
    return actor.is_manager or actor.role is Role.INSPECTOR


def may_supervise(actor: Actor) -> bool:
    """The supervision pages (alerts, requests to verify, who is behind; the area's conflict
    log): managers. Everyone else reads the conflicts their own values were in (the phone)."""
    return actor.is_manager


def may_manage_mentoring(actor: Actor) -> bool:
    """Pairing mentors with families and setting their visit rhythm: supervisors and admins,
    each within their part of the tree (`may_pair_mentor` checks the family's place)."""
    return actor.role in (Role.SUPERVISOR, Role.ADMIN)


def may_pair_mentor(actor: Actor, community_path: str) -> bool:
    return may_manage_mentoring(actor) and manages(actor, community_path)


def may_mentor(mentor_role: Role | str, mentor_unit_path: str, community_path: str) -> bool:
    """Who may be a family's mentor: a mentor of the family's own community (who may then be
    given the family's visits, `may_be_assigned`)."""
    return Role(mentor_role) is Role.MENTOR and may_be_assigned(
        mentor_role, mentor_unit_path, community_path
    )


def holds_a_queue(actor: Actor) -> bool:
    """An office (its managers) or a member department has a queue of its own."""
    return actor.is_manager or actor.role is Role.DEPARTMENT


def sees_inspection_list(actor: Actor) -> bool:
    """The list of requests overdue or rated poorly: inspectors and managers."""
    return actor.is_manager or actor.role is Role.INSPECTOR


# What a phone holds (the sync scope; see server/records). Records are filed in the change feed
# under keys of these kinds: "catalogue" (the service catalogue), "assigned" (work given to a
# person), "mentored" (a mentor's families), "unit" (an org unit and its people), "community"
# (residents and their records, by community), "work" (visits and requests, by unit). A role's
# phone subscribes to the kinds granted to it here, as far as granted: a role not named here,
# or a kind not granted to it, receives nothing (deny by default).
EVERYONE, SELF, OWN_UNIT, SUBTREE = "everyone", "self", "own unit", "subtree"
_FIELD = {"catalogue": EVERYONE, "assigned": SELF, "unit": OWN_UNIT}
_MANAGER = {**_FIELD, "unit": SUBTREE, "community": SUBTREE, "work": SUBTREE}
PHONE_REACH: dict[Role, dict[str, str]] = {
    Role.WORKER: {**_FIELD, "community": OWN_UNIT},
    Role.MENTOR: {**_FIELD, "mentored": SELF},
    Role.SUPERVISOR: _MANAGER,
    Role.DISPATCHER: _MANAGER,
    Role.ADMIN: _MANAGER,
    # Browser roles: their phone holds what a worker's of their unit would, short of visits.
    Role.INSPECTOR: {**_FIELD, "community": OWN_UNIT},
    Role.DEPARTMENT: {**_FIELD, "community": OWN_UNIT},
}


# What a read over HTTP (the API and the console) answers: exactly what the caller's phone
# holds (the pull's scope: a record filed under a feed key the role subscribes to, that its
# declared scope rule gives the caller), except where this table lets a role read a synced
# record by its scope rule alone, wider than its phone. Deliberate, and only here
# (`server.records.Reader`, tests/test_read_scope.py).
READS_BEYOND_PHONE: dict[Role, frozenset[str]] = {
    # 纪检监察 reads everything of its subtree in the browser; its phone holds its own unit's.
    Role.INSPECTOR: frozenset(
        {
            "resident",
            "visit",
            "checkin",
            "service_record",
            "assistance",
            "request",
            "user",
            "org_unit",
        }
    ),
    # A department works its queue in the browser: the requests routed to it, in every
    # community (`sees_request`); its phone holds none of them.
    Role.DEPARTMENT: frozenset({"request"}),
}


def reads_beyond_phone(actor: Actor, entity: str) -> bool:
    """Whether the actor reads records of this entity by their scope rule alone, beyond what
    its phone holds (READS_BEYOND_PHONE)."""
    return entity in READS_BEYOND_PHONE.get(actor.role, frozenset())


def phone_reach(actor: Actor, kind: str) -> str | None:
    """How far the actor's phone reaches for records filed under this kind; None: not at all."""
    return PHONE_REACH.get(actor.role, {}).get(kind)


def holds_catalogue(actor: Actor) -> bool:
    """The service catalogue: on every phone granted it (every role today)."""
    return phone_reach(actor, "catalogue") == EVERYONE


def sees_unit(actor: Actor, unit_path: str) -> bool:
    """An org unit, or a person placed in it: what the phone holds (`holds_unit`), and for
    whoever reads its subtree (an inspector, in the browser) every unit of the subtree."""
    if holds_unit(actor, unit_path):
        return True
    return reads_subtree(actor) and contains(actor.unit_path, unit_path)


def holds_unit(actor: Actor, unit_path: str) -> bool:
    """An org unit, or a person placed in it: a manager's phone holds those of its subtree,
    another's those of its own unit."""
    reach = phone_reach(actor, "unit")
    if reach == SUBTREE:
        return contains(actor.unit_path, unit_path)
    return reach == OWN_UNIT and unit_path == actor.unit_path


def holds_field_record(actor: Actor, community_path: str) -> bool:
    """A check-in or a service record: whoever reads its resident's place; not a mentor,
    whose phone keeps only the assistance of the families they mentor."""
    return actor.role is not Role.MENTOR and sees_record_of_resident(
        actor, community_path, None, None
    )
