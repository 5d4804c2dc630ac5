"""The model's rules (Parent Teacher Home Visits), in one place.

Pure functions over the schema's objects: no queries, no request. Services call them before
they change anything, and a refused change raises ``RuleViolation`` with a message that can be
shown to the person as it is.

One module per rule, and everyone reads them from here (``from fieldapp import rules``, then
``rules.check_team``): ``contact`` (1: voluntary, arranged in advance), ``training`` (2: trained
and not lapsed), ``school_years`` (3: once a school year), ``targeting`` (4: no targeting; and
a visit's hours), ``pairs`` (5: always in pairs); ``visit_states``, the visit's state machine;
``attendance`` (chronic absence), ``rounds`` (which round the pages show first) and
``violation`` (``RuleViolation``).
"""

from __future__ import annotations

from fieldapp.rules.attendance import CHRONIC_DIVISOR, chronically_absent
from fieldapp.rules.contact import check_may_contact, check_new_visit
from fieldapp.rules.pairs import (
    MAX_TEAM,
    MIN_TEAM,
    MIN_TRAINED,
    check_team,
    paid_members,
    stranded_members,
)
from fieldapp.rules.rounds import default_round
from fieldapp.rules.school_years import SCHOOL_YEAR_STARTS, school_year, school_year_label
from fieldapp.rules.targeting import COVERAGE_MARK, targeting_warnings, visit_hours
from fieldapp.rules.training import (
    LAPSING_SOON,
    TrainingStatus,
    completions_by_user,
    training_status,
    training_valid_until,
    why_not_assignable,
    worth_joining,
)
from fieldapp.rules.violation import RuleViolation
from fieldapp.rules.visit_states import (
    MAX_AHEAD,
    OPEN_STATUSES,
    PRIVATE_NOTE_CORRECTION,
    STATUS_LABELS,
    TIMED_STATUSES,
    TO_AGREE_STATUSES,
    TRANSITIONS,
    UNASSIGNABLE_STATUSES,
    WITH_REASON_STATUSES,
    check_complete,
    check_contact,
    check_may_add_version,
    check_may_correct_private_note,
    check_may_reflect,
    check_no_overlap,
    check_schedule,
    check_time,
    check_transition,
    check_unassign,
    overlaps,
    private_note_editable_until,
)

# What ``rules.X`` offers: every rule's public names, each defined in its rule's module.
__all__ = [
    "CHRONIC_DIVISOR",
    "COVERAGE_MARK",
    "LAPSING_SOON",
    "MAX_AHEAD",
    "MAX_TEAM",
    "MIN_TEAM",
    "MIN_TRAINED",
    "OPEN_STATUSES",
    "PRIVATE_NOTE_CORRECTION",
    "RuleViolation",
    "SCHOOL_YEAR_STARTS",
    "STATUS_LABELS",
    "TIMED_STATUSES",
    "TO_AGREE_STATUSES",
    "TRANSITIONS",
    "TrainingStatus",
    "UNASSIGNABLE_STATUSES",
    "WITH_REASON_STATUSES",
    "check_complete",
    "check_contact",
    "check_may_add_version",
    "check_may_contact",
    "check_may_correct_private_note",
    "check_may_reflect",
    "check_new_visit",
    "check_no_overlap",
    "check_schedule",
    "check_team",
    "check_time",
    "check_transition",
    "check_unassign",
    "chronically_absent",
    "completions_by_user",
    "default_round",
    "overlaps",
    "paid_members",
    "private_note_editable_until",
    "school_year",
    "school_year_label",
    "stranded_members",
    "targeting_warnings",
    "training_status",
    "training_valid_until",
    "visit_hours",
    "why_not_assignable",
    "worth_joining",
]
