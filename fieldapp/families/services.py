"""Keeping the roster: families with their guardians, students with their family and class.

Services take explicit arguments (never the request), write the audit trail, and only flush:
the caller commits. Phone numbers arrive in E.164 and emails lower-cased (the forms see to it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

from fieldapp import audit, rules
from fieldapp.extensions import db
from fieldapp.families import queries
from fieldapp.i18n import gettext as _
from fieldapp.i18n import ngettext
from fieldapp.models import (
    AttendanceMonth,
    ContactMethod,
    Family,
    Guardian,
    Round,
    School,
    SchoolClass,
    Student,
    User,
)
from fieldapp.rules import RuleViolation
from fieldapp.visits.services import mark_do_not_contact


@dataclass(frozen=True)
class GuardianDetails:
    name: str
    relationship_to_student: str | None = None
    phone: str | None = None  # E.164
    email: str | None = None  # lower-cased
    id: int | None = None  # the guardian it was shown as, when editing


@dataclass(frozen=True)
class FamilyDetails:
    name: str
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    home_language: str | None = "en"  # None: not known
    interpreter_needed: bool = False
    preferred_contact_method: ContactMethod | None = None
    preferred_contact_times: str | None = None
    do_not_contact: bool = False
    do_not_contact_reason: str | None = None
    guardians: list[GuardianDetails] = field(default_factory=list)


# Set on the family as they are; the do-not-contact flag and the guardians have their own rules.
_PLAIN = (
    "name",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "home_language",
    "interpreter_needed",
    "preferred_contact_method",
    "preferred_contact_times",
)


@dataclass(frozen=True)
class StudentDetails:
    first_name: str
    last_name: str
    grade: str
    sis_id: str | None = None
    active: bool = True


@dataclass(frozen=True)
class GuardianContact:
    """How a coordinator finds a family at any school: one guardian's exact phone or email."""

    phone: str | None = None
    email: str | None = None


# ---- families -------------------------------------------------------------------------------

# The word people write around a household's name, in the interface's languages: "the Nguyen
# family", "Nguyen Family", "Familia Martínez", "la familia Martínez". The data keeps the name
# alone; the word comes from the catalogue when the family is shown (formatting.family_label).
_FAMILY_WORD = re.compile(
    r"^(?:(?:the|la)\s+)?(?:family|familia)\s+(?P<after>\S.*)$"
    r"|^(?:the\s+)?(?P<before>.*\S)\s+(?:family|familia)$",
    re.IGNORECASE,
)


def household_name(text: str) -> str:
    """The household's own name as typed, without the word "family" around it ("" if that
    word was all there was)."""
    text = " ".join(text.split())
    found = _FAMILY_WORD.match(text)
    if found:
        text = found["after"] or found["before"]
    return "" if text.casefold() in {"family", "familia", "the family", "la familia"} else text


def create_family(details: FamilyDetails, *, by: User | None, school: School) -> Family:
    family = Family(name=household_name(details.name))
    db.session.add(family)
    db.session.flush()
    audit.record("family.create", actor=by, obj=family, school_id=school.id)
    _apply(family, details, by=by)
    return family


def update_family(family: Family, details: FamilyDetails, *, by: User | None) -> list[str]:
    """Change what the coordinator changed; returns the names of the changed fields."""
    changed = _apply(family, details, by=by)
    audit.record("family.update", actor=by, obj=family, changed=changed)
    return changed


def set_home_language(family: Family, code: str, *, by: User | None) -> None:
    """The family's home language, set by a coordinator (a re-import never replaces it)."""
    if family.home_language != code:
        audit.record(
            "family.update",
            actor=by,
            obj=family,
            changed=["home_language"],
            was=family.home_language,
        )
        family.home_language = code
        db.session.flush()


def _apply(family: Family, details: FamilyDetails, *, by: User | None) -> list[str]:
    changed = []
    for name in _PLAIN:
        value = getattr(details, name)
        if name == "name":
            value = household_name(value)
        if getattr(family, name) != value:
            setattr(family, name, value)
            changed.append(name)
    if _set_guardians(family, details.guardians):
        changed.append("guardians")
    db.session.flush()
    if details.do_not_contact and not family.do_not_contact:
        # Keeping the family's wish: flagged, dated now, and its open visits closed.
        mark_do_not_contact(family, reason=details.do_not_contact_reason or "", by=by)
        changed.append("do_not_contact")
    elif details.do_not_contact and family.do_not_contact_reason != details.do_not_contact_reason:
        family.do_not_contact_reason = details.do_not_contact_reason
        changed.append("do_not_contact_reason")
    elif not details.do_not_contact and family.do_not_contact:
        family.do_not_contact = False
        family.do_not_contact_at = None
        family.do_not_contact_reason = None
        changed.append("do_not_contact")
    db.session.flush()
    return changed


def _set_guardians(family: Family, wanted: list[GuardianDetails]) -> bool:
    """Update the guardians shown on the form, add new ones, remove the ones emptied. A guardian
    keeps its row (and the id a roster import gave it) as long as its form row is kept."""
    existing = {g.id: g for g in family.guardians}
    kept: list[Guardian] = []
    changed = False
    for position, details in enumerate(wanted):
        guardian = existing.pop(details.id, None) if details.id is not None else None
        if guardian is None:
            guardian = Guardian(name=details.name)
            changed = True
        for name in ("name", "relationship_to_student", "phone", "email"):
            if getattr(guardian, name) != getattr(details, name):
                setattr(guardian, name, getattr(details, name))
                changed = True
        guardian.position = position
        kept.append(guardian)
    reordered = [g.id for g in family.guardians] != [g.id for g in kept]
    family.guardians = kept  # delete-orphan removes the ones left out
    return changed or reordered or bool(existing)


# ---- students -------------------------------------------------------------------------------


def main_class(student: Student) -> SchoolClass | None:
    """The class the student form shows: the student's first active class at their school."""
    classes = [c for c in student.classes if c.active and c.school_id == student.school_id]
    return min(classes, key=lambda c: (c.name, c.id), default=None)


def _place_in_class(student: Student, school_class: SchoolClass | None) -> bool:
    """Put the student in ``school_class`` instead of their current active classes at the school;
    past (inactive) classes stay, as the history of who taught the child."""
    if school_class is not None and school_class.school_id != student.school_id:
        raise RuleViolation(_("Choose a class of the student's school."), field="class_id")
    if main_class(student) == school_class:
        return False
    keep = [c for c in student.classes if not c.active or c.school_id != student.school_id]
    student.classes = keep + ([school_class] if school_class is not None else [])
    return True


def create_student(
    school: School,
    details: StudentDetails,
    *,
    family: Family,
    school_class: SchoolClass | None,
    by: User | None,
) -> Student:
    student = Student(school_id=school.id, school=school, family=family, active=details.active)
    for f in fields(StudentDetails):
        setattr(student, f.name, getattr(details, f.name))
    db.session.add(student)
    _place_in_class(student, school_class)
    db.session.flush()
    audit.record("student.create", actor=by, obj=student, school_id=school.id, family_id=family.id)
    return student


def update_student(
    student: Student,
    details: StudentDetails,
    *,
    family: Family,
    school_class: SchoolClass | None,
    by: User | None,
) -> list[str]:
    changed = []
    for f in fields(StudentDetails):
        value = getattr(details, f.name)
        if getattr(student, f.name) != value:
            setattr(student, f.name, value)
            changed.append(f.name)
    if student.family_id != family.id:
        student.family = family
        changed.append("family")
    if _place_in_class(student, school_class):
        changed.append("class")
    db.session.flush()
    audit.record(
        "student.update",
        actor=by,
        obj=student,
        school_id=student.school_id,
        family_id=family.id,
        changed=changed,
    )
    return changed


def family_by_guardian(contact: GuardianContact) -> Family:
    """The one family, at any school, with a guardian of exactly this phone or email: how
    brothers and sisters at two schools are linked into one family."""
    by_phone = contact.phone is not None
    families = db.session.scalars(
        queries.families_with_guardian(phone=contact.phone, email=contact.email)
    ).all()
    if not families:
        message = (
            _("No family has a guardian with this phone number.")
            if by_phone
            else _("No family has a guardian with this email.")
        )
        raise RuleViolation(message, field="family_contact")
    if len(families) > 1:
        count = len(families)
        message = (
            ngettext(
                "%(num)d family has a guardian with this phone number: choose the family from "
                "the list instead.",
                "%(num)d families have a guardian with this phone number: choose the family "
                "from the list instead.",
                count,
            )
            if by_phone
            else ngettext(
                "%(num)d family has a guardian with this email: choose the family from the list "
                "instead.",
                "%(num)d families have a guardian with this email: choose the family from the "
                "list instead.",
                count,
            )
        )
        raise RuleViolation(message, field="family_contact")
    return families[0]


# ---- the roster's rows ------------------------------------------------------------------------


def siblings(student: Student) -> list[Student]:
    """The student's brothers and sisters at the same school (active), by first name."""
    family = student.family
    if family is None:
        return []
    return sorted(
        (
            s
            for s in family.students
            if s.id != student.id and s.active and s.school_id == student.school_id
        ),
        key=lambda s: (s.first_name, s.id),
    )


def first_guardian(family: Family | None) -> Guardian | None:
    return min(family.guardians, key=lambda g: (g.position, g.id), default=None) if family else None


def roster_row(student: Student, visited: set[int] | None, round_: Round | None) -> list:
    """One student as the roster's CSV has it (``ROSTER_HEADER``): codes and 1/0, no words."""
    family = student.family
    guardian = first_guardian(family)
    return [
        student.sis_id or "",
        student.last_name,
        student.first_name,
        student.grade,
        "; ".join(c.name for c in student.classes if c.active),
        family.name if family else "",
        guardian.name if guardian else "",
        guardian.phone or "" if guardian else "",
        family.home_language if family else "",
        int(bool(family and family.interpreter_needed)),
        int(bool(family and family.do_not_contact)),
        len(siblings(student)),
        round_.name if round_ else "",
        "" if visited is None else int(student.id in visited),
    ]


# ---- a student's attendance this school year, on the card -------------------------------------


def attendance_rate(days_enrolled: Decimal, days_absent: Decimal) -> Decimal | None:
    """The share of the days enrolled that the student was there; None with no day enrolled."""
    return (days_enrolled - days_absent) / days_enrolled if days_enrolled else None


@dataclass(frozen=True)
class AttendanceYear:
    """One student's attendance in the school year so far: the months imported, and their sum."""

    student: Student
    first_day: date  # of the school year
    months: list[AttendanceMonth]

    @property
    def label(self) -> str:
        return rules.school_year_label(self.first_day)

    @property
    def rows(self) -> list[tuple[AttendanceMonth, Decimal | None]]:
        """Each month with its attendance rate."""
        return [(m, attendance_rate(m.days_enrolled, m.days_absent)) for m in self.months]

    @property
    def days_enrolled(self) -> Decimal:
        return sum((m.days_enrolled for m in self.months), Decimal(0))

    @property
    def days_absent(self) -> Decimal:
        return sum((m.days_absent for m in self.months), Decimal(0))

    @property
    def rate(self) -> Decimal | None:
        return attendance_rate(self.days_enrolled, self.days_absent)

    @property
    def chronically_absent(self) -> bool:
        return rules.chronically_absent(self.days_enrolled, self.days_absent)


def attendance_this_year(
    students: Sequence[Student], today: Mapping[int, date]
) -> list[AttendanceYear]:
    """Each student's attendance in the school year of ``today[student.id]`` (the day at the
    student's school), in the students' order; a month with no row imported is not there. One
    query for all the students."""
    years = {s.id: rules.school_year(today[s.id]) for s in students}
    by_year: dict[tuple[date, date], list[int]] = {}
    for student_id, year in years.items():
        by_year.setdefault(year, []).append(student_id)
    months: dict[int, list[AttendanceMonth]] = {}
    if by_year:
        for month in db.session.scalars(queries.attendance_months(by_year)):
            months.setdefault(month.student_id, []).append(month)
    return [AttendanceYear(s, years[s.id][0], months.get(s.id, [])) for s in students]
