"""The schema: one connected graph, split by entity. Imports nothing but ``extensions``."""

from fieldapp.models.attendance import AttendanceMonth
from fieldapp.models.audit import AuditEvent
from fieldapp.models.base import utcnow
from fieldapp.models.families import ContactMethod, Enrollment, Family, Guardian, Student
from fieldapp.models.messages import MessageKind, MessageTemplate
from fieldapp.models.offers import OfferAnswer, OfferedSlot, ReminderSent, SlotOffer
from fieldapp.models.people import (
    ClassTeacher,
    HoursMode,
    Role,
    RoleAssignment,
    School,
    SchoolClass,
    User,
)
from fieldapp.models.ratelimits import RateLimitCounter
from fieldapp.models.roster import ImportStatus, RosterImport
from fieldapp.models.security import (
    ApiToken,
    CalendarFeed,
    ExternalIdentity,
    LoginThrottle,
    PasswordResetToken,
    UserSession,
)
from fieldapp.models.sync import SyncReceipt
from fieldapp.models.tombstones import ApiResource, ApiTombstone
from fieldapp.models.training import (
    Attendance,
    Setting,
    TrainingCompletion,
    TrainingKind,
    TrainingSession,
    TrainingSessionSchool,
    TrainingSessionTrainer,
)
from fieldapp.models.versions import DataVersion
from fieldapp.models.visits import (
    ContactAttempt,
    ContactOutcome,
    FollowUp,
    HoursEntry,
    HoursExport,
    PrivateNote,
    Reflection,
    ReflectionDraft,
    Round,
    RoundScope,
    TeamMember,
    TeamRole,
    Visit,
    VisitMode,
    VisitStatus,
    VisitStudent,
    VisitType,
)

__all__ = [
    "ApiResource",
    "ApiToken",
    "AttendanceMonth",
    "ApiTombstone",
    "Attendance",
    "AuditEvent",
    "CalendarFeed",
    "ExternalIdentity",
    "ClassTeacher",
    "ContactAttempt",
    "ContactMethod",
    "ContactOutcome",
    "DataVersion",
    "Enrollment",
    "Family",
    "FollowUp",
    "Guardian",
    "HoursEntry",
    "HoursExport",
    "HoursMode",
    "ImportStatus",
    "LoginThrottle",
    "MessageKind",
    "MessageTemplate",
    "OfferAnswer",
    "OfferedSlot",
    "PasswordResetToken",
    "PrivateNote",
    "RateLimitCounter",
    "Reflection",
    "ReminderSent",
    "ReflectionDraft",
    "Role",
    "RoleAssignment",
    "RosterImport",
    "Round",
    "RoundScope",
    "School",
    "SchoolClass",
    "Setting",
    "SlotOffer",
    "Student",
    "SyncReceipt",
    "TeamMember",
    "TeamRole",
    "TrainingCompletion",
    "TrainingKind",
    "TrainingSession",
    "TrainingSessionSchool",
    "TrainingSessionTrainer",
    "User",
    "UserSession",
    "Visit",
    "VisitMode",
    "VisitStatus",
    "VisitStudent",
    "VisitType",
    "utcnow",
]
