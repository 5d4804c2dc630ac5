"""A student's attendance on the family's card (#23): this school year month by month, for the
student's teachers of record and the coordinators of the student's school only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fieldapp import clock, rules
from fieldapp.families import services
from fieldapp.models import (
    AttendanceMonth,
    AuditEvent,
    Family,
    Role,
    RoleAssignment,
    School,
    Student,
    User,
)
from tests.factories import make_family, make_school, make_student, make_user, make_visit

EMPTY = "No attendance imported for this school year."
SECTION = "Attendance this school year"


def first_day(school: School) -> date:
    """The first day of the school year at the school, today."""
    return rules.school_year(clock.today(ZoneInfo(school.timezone)))[0]


def month(school: School, n: int) -> date:
    """The n-th month of the school's current school year (0: July)."""
    start = first_day(school)
    return date(start.year + (start.month - 1 + n) // 12, (start.month - 1 + n) % 12 + 1, 1)


def add_months(db, student: Student, *rows: tuple[date, str, str], school: School | None = None):
    for day, enrolled, absent in rows:
        db.session.add(
            AttendanceMonth(
                student_id=student.id,
                school_id=(school or student.school).id,
                month=day,
                days_enrolled=Decimal(enrolled),
                days_absent=Decimal(absent),
            )
        )
    db.session.flush()


def section(html: str) -> str:
    """The card's attendance section ('' when it is not there)."""
    start = html.find('<section aria-labelledby="h-attendance"')
    return "" if start < 0 else html[start : html.index("</section>", start)]


@dataclass
class Siblings:
    school: School
    family: Family
    ana: Student  # at ``school``, taught by ``teacher``: two months this year, one last year
    ben: Student  # at ``other_school``, taught by ``ben_teacher``: chronically absent
    teacher: User
    ben_teacher: User
    other_school: School


@pytest.fixture
def siblings(db) -> Siblings:
    school, other_school = make_school(), make_school()
    teacher, ben_teacher = make_user(Role.VISITOR, school), make_user(Role.VISITOR, other_school)
    family = make_family(name="Okafor")
    ana = make_student(school, family, teacher=teacher, first_name="Ana")
    ben = make_student(other_school, family, teacher=ben_teacher, first_name="Ben")
    add_months(
        db,
        ana,
        (month(school, 2), "20", "1"),  # September
        (month(school, 3), "21", "2.5"),  # October
        (date(first_day(school).year - 1, 10, 1), "19", "7.5"),  # last school year
    )
    add_months(db, ben, (month(other_school, 2), "20", "2"))  # 10%: chronically absent
    db.session.commit()
    return Siblings(school, family, ana, ben, teacher, ben_teacher, other_school)


def card(client, family: Family) -> str:
    response = client.get(f"/families/{family.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# ---- who sees it ---------------------------------------------------------------------------------


def test_the_students_teacher_sees_their_months_and_the_year_so_far(client, login, siblings):
    login(siblings.teacher)
    shown = section(card(client, siblings.family))
    assert SECTION in shown
    assert "<strong>Ana</strong>" in shown and "September" in shown and "October" in shown
    # 41 days enrolled, 3.5 absent: 91.5% attended, under the 10% line.
    assert ">41<" in shown and ">3.5<" in shown and "91.5% attended" in shown
    assert "7.5" not in shown  # last school year's October
    assert "Chronically absent so far" not in shown
    # Ben is not this teacher's student: the card shows him, not his attendance.
    assert "Ben" not in shown


def test_the_coordinator_sees_the_students_of_their_school(client, login, siblings):
    login(make_user(Role.COORDINATOR, siblings.other_school))
    shown = section(card(client, siblings.family))
    assert "<strong>Ben</strong>" in shown and "Chronically absent so far" in shown
    assert "90% attended" in shown
    assert "Ana" not in shown  # at another school


def test_a_coordinator_of_both_schools_sees_both(db, client, login, siblings):
    both = make_user(Role.COORDINATOR, siblings.school)
    both.roles.append(RoleAssignment(role=Role.COORDINATOR, school_id=siblings.other_school.id))
    db.session.commit()
    login(both)
    shown = section(card(client, siblings.family))
    assert shown.index("<strong>Ana</strong>") < shown.index("<strong>Ben</strong>")


def test_a_visitor_of_the_family_who_does_not_teach_them_sees_no_attendance(
    db, client, login, siblings
):
    visit = make_visit(siblings.school, family=siblings.family)
    db.session.commit()
    login(visit.members[0])
    html = card(client, siblings.family)
    assert "Okafor" in html  # the card itself: the team sees it
    assert section(html) == "" and "September" not in html and "Chronically" not in html


@pytest.mark.parametrize("who", ["other_visitor", "other_coordinator", "trainer"])
def test_people_who_cannot_open_the_card_see_nothing(db, client, login, siblings, who):
    person = {
        "other_visitor": lambda: make_user(Role.VISITOR, siblings.school),
        "other_coordinator": lambda: make_user(Role.COORDINATOR, make_school()),
        "trainer": lambda: make_user(Role.TRAINER),
    }[who]()
    login(person)
    response = client.get(f"/families/{siblings.family.id}")
    assert response.status_code in (403, 404)
    assert "September" not in response.get_data(as_text=True)


def test_a_teacher_whose_class_ended_no_longer_sees_it(db, client, login, siblings):
    """Teachers of record in a current class: last year's teacher does not keep the view."""
    for school_class in siblings.ana.classes:
        school_class.active = False
    teacher_now = make_user(Role.VISITOR, siblings.school)
    make_visit(siblings.school, team=[siblings.teacher, teacher_now], family=siblings.family)
    db.session.commit()
    login(siblings.teacher)
    assert section(card(client, siblings.family)) == ""


# ---- what it shows -------------------------------------------------------------------------------


def test_a_student_with_nothing_imported_this_year_says_so(db, client, login, siblings):
    db.session.execute(
        AttendanceMonth.__table__.delete().where(
            AttendanceMonth.student_id == siblings.ana.id,
            AttendanceMonth.month >= first_day(siblings.school),
        )
    )
    db.session.commit()
    login(siblings.teacher)
    shown = section(card(client, siblings.family))
    assert "<strong>Ana</strong>" in shown and EMPTY in shown and "<table" not in shown


def test_a_month_counted_at_another_school_names_it(db, client, login, siblings):
    add_months(
        db, siblings.ana, (month(siblings.school, 1), "5", "0"), school=siblings.other_school
    )
    db.session.commit()
    login(siblings.teacher)
    shown = section(card(client, siblings.family))
    assert f"August<small>{siblings.other_school.name}</small>" in shown
    assert f"September<small>{siblings.school.name}" not in shown


def test_months_and_numbers_in_the_readers_language(db, client, login, siblings):
    siblings.teacher.locale = "es"
    db.session.commit()
    login(siblings.teacher)
    shown = section(card(client, siblings.family))
    assert "septiembre" in shown and "octubre" in shown and ">2,5<" in shown


def test_the_school_year_is_the_one_of_the_day_at_the_school(app, db, client, login):
    """On 30 June at 10 pm in California it is already 1 July in UTC: the card still shows the
    year that ends that day."""
    la = make_school(timezone="America/Los_Angeles")
    teacher = make_user(Role.VISITOR, la)
    student = make_student(la, make_family(), teacher=teacher, first_name="Cleo")
    add_months(db, student, (date(2026, 6, 1), "12", "0"), (date(2026, 7, 1), "3", "3"))
    db.session.commit()
    app.config["CLOCK_OFFSET"] = datetime(2026, 7, 1, 5, tzinfo=UTC) - datetime.now(UTC)
    try:
        login(teacher)
        shown = section(card(client, student.family))
    finally:
        app.config.pop("CLOCK_OFFSET")
    assert "2025–26" in shown and "June" in shown and "July" not in shown


def test_the_read_is_on_the_audit_trail_with_the_students_shown(db, client, login, siblings):
    login(siblings.teacher)
    card(client, siblings.family)
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "family.view", AuditEvent.actor_id == siblings.teacher.id)
        .order_by(AuditEvent.id.desc())
    )
    assert event.object_id == siblings.family.id
    assert event.detail == {"attendance_of": [siblings.ana.id]}


def test_the_card_without_attendance_leaves_the_event_as_before(db, client, login, siblings):
    visit = make_visit(siblings.school, family=siblings.family)
    db.session.commit()
    login(visit.members[0])
    card(client, siblings.family)
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "family.view", AuditEvent.actor_id == visit.members[0].id
        )
    )
    assert event.detail in (None, {})


# ---- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enrolled", "absent", "chronic"),
    [
        ("20", "2", True),  # exactly 10%
        ("20", "1.5", False),
        ("20.5", "2", False),  # 9.76%
        ("19.5", "2", True),  # 10.26%
        ("0", "0", False),  # no school day yet
        ("1", "1", True),
    ],
)
def test_chronic_absence_is_ten_percent_of_the_days_enrolled_or_more(enrolled, absent, chronic):
    assert rules.chronically_absent(Decimal(enrolled), Decimal(absent)) is chronic


def test_the_rate_is_the_share_of_days_attended():
    assert services.attendance_rate(Decimal("40"), Decimal("3")) == Decimal("0.925")
    assert services.attendance_rate(Decimal("0"), Decimal("0")) is None
