"""The domain's closed vocabularies: roles, levels, statuses and kinds, as string enums."""

from enum import StrEnum


class Role(StrEnum):
    WORKER = "worker"
    MENTOR = "mentor"
    SUPERVISOR = "supervisor"
    DISPATCHER = "dispatcher"
    ADMIN = "admin"
    DEPARTMENT = "department"  # staff of a member department: the requests routed to it
    INSPECTOR = "inspector"  # 纪检监察: reads its subtree, adds supervision notes, changes nothing


class OrgLevel(StrEnum):
    DISTRICT = "district"
    SUBDISTRICT = "subdistrict"
    COMMUNITY = "community"


class VisitKind(StrEnum):
    CHECKIN = "checkin"
    REQUEST = "request"
    MENTORING = "mentoring"
    SERVICE = "service"


class VisitStatus(StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    RETURNED = "returned"
    APPROVED = "approved"
    CANCELLED = "cancelled"


class Wellbeing(StrEnum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    EMERGENCY = "emergency"


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    WALK_IN = "walk_in"
    APP = "app"


class RiskFlag(StrEnum):
    LIVING_ALONE = "living_alone"
    LOW_INCOME = "low_income"
    DISABILITY = "disability"
    CHRONIC_ILLNESS = "chronic_illness"
    RECENT_FALL = "recent_fall"
