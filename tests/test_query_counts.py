"""The query budget: every main page of every role issues at most 10 SQL statements, and no
more on a large dataset than on a small one (no N+1)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from fieldapp import audit, clock, rules
from fieldapp.extensions import db as _db
from fieldapp.models import (
    Attendance,
    AttendanceMonth,
    FollowUp,
    HoursEntry,
    Reflection,
    Role,
    TeamRole,
    TrainingKind,
    TrainingSession,
    VisitStatus,
)
from tests.factories import (
    add_completion,
    make_family,
    make_round,
    make_school,
    make_student,
    make_user,
    make_visit,
)

BUDGET = 10


@pytest.fixture
def app_config(app_config):
    """As in production: a read's audit event waits in the process's buffer and its thread
    writes each second's events in one insert (fieldapp.audit), not the request. (The tests'
    default, ``AUDIT_FLUSH_SECONDS = 0``, writes it in the request: one statement more than a
    reader's request costs.) tests/test_audit_buffer.py proves every read still leaves its
    event."""
    return app_config | {"AUDIT_FLUSH_SECONDS": 3600}


@pytest.fixture(autouse=True)
def _events_written(app):
    yield
    audit.flush(app)  # what waits, into this test's database before it goes


@contextmanager
def count_queries(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def build(n: int) -> dict:
    """A school where everything a page lists comes ``n`` times: visits of every state for the
    pair, completed ones with reflections, follow-ups and hours, other visitors, a training
    session with attendees, audit events."""
    school = make_school()
    people = {
        "coordinator": make_user(Role.COORDINATOR, school),
        "trainer": make_user(Role.TRAINER),
        "admin": make_user(Role.ADMIN),
    }
    me, partner = make_user(Role.VISITOR, school), make_user(Role.VISITOR, school)
    people["visitor"] = me
    rnd = make_round(school)
    now = datetime.now(UTC)
    session = TrainingSession(
        title="Fall training",
        kind=TrainingKind.FOUNDATIONAL,
        starts_at=now - timedelta(days=40),
        ends_at=now - timedelta(days=40) + timedelta(hours=3),
        schools=[school],
        trainers=[people["trainer"]],
    )
    _db.session.add(session)
    _db.session.flush()
    first = None
    teacher = make_user(Role.VISITOR, school)
    for i in range(n):
        make_visit(school, team=[me, partner], round=rnd)
        unassigned = make_visit(school, team=[], round=rnd)
        unassigned.students.append(make_student(school, unassigned.family, teacher=teacher))
        scheduled = make_visit(
            school,
            team=[me, partner],
            round=rnd,
            status=VisitStatus.SCHEDULED,
            scheduled_start=now + timedelta(days=1, hours=i),
            family_agreed_at=now,
        )
        first = first or scheduled
        if i == 0:  # one visit that happened an hour ago, waiting for its reflection
            due = make_visit(
                school,
                team=[me, partner],
                round=rnd,
                status=VisitStatus.SCHEDULED,
                scheduled_start=now - timedelta(hours=1),
                family_agreed_at=now - timedelta(days=3),
            )
        done = make_visit(
            school,
            team=[me, partner],
            round=rnd,
            family=scheduled.family,
            status=VisitStatus.COMPLETED,
            scheduled_start=now - timedelta(days=2, hours=i),
            family_agreed_at=now - timedelta(days=5),
        )
        _db.session.add_all(
            [
                Reflection(visit=done, author_id=me.id, duration_minutes=40, strengths="Kind"),
                FollowUp(
                    family_id=done.family_id,
                    visit_id=done.id,
                    owner_id=me.id,
                    description="Send the reading list",
                    due_on=date.today() + timedelta(days=i),
                ),
            ]
            + [
                HoursEntry(
                    visit_id=done.id,
                    user_id=u.id,
                    school_id=school.id,
                    role=TeamRole.VISITOR,
                    hours=Decimal("1.50"),
                    earned_on=date.today() - timedelta(days=2),
                )
                for u in (me, partner)
            ]
        )
        colleague = make_user(Role.VISITOR, school, trained=False)
        add_completion(
            colleague, date.today() - timedelta(days=10 + i), date.today() + timedelta(days=300)
        )
        _db.session.add(Attendance(session_id=session.id, user_id=colleague.id))
        audit.record("test.event", actor=people["admin"], school_id=school.id, n=i)
    _db.session.flush()
    return {
        **people,
        "school": school.id,
        "round": rnd.id,
        "visit": first.id,
        "due": due.id,
        "family": first.family_id,
        "session": session.id,
    }


PAGES = [
    ("visitor", "/visits/"),
    ("visitor", "/visits/{visit}"),
    ("visitor", "/visits/{due}/reflection"),
    ("visitor", "/visits/{visit}/reschedule"),
    ("visitor", "/families/{family}"),
    ("visitor", "/training/me"),
    ("visitor", "/account"),
    ("visitor", "/visits/{visit}/invitation"),
    ("coordinator", "/schools/{school}/"),
    ("coordinator", "/schools/{school}/rounds"),
    ("coordinator", "/rounds/{round}"),
    ("coordinator", "/rounds/{round}?show=all"),
    ("coordinator", "/rounds/{round}?show=all&page=2"),
    ("coordinator", "/schools/{school}/roster"),
    ("coordinator", "/schools/{school}/roster?language=unknown&page=2"),
    ("coordinator", "/schools/{school}/hours"),
    ("coordinator", "/families/{family}"),
    ("coordinator", "/training/roster"),
    ("coordinator", "/schools/{school}/messages"),
    ("coordinator", "/schools/{school}/relationships"),
    ("coordinator", "/roster-imports/"),
    ("admin", "/admin/api-tokens/"),
    ("trainer", "/training/"),
    ("trainer", "/training/roster"),
    ("trainer", "/training/sessions/{session}"),
    ("trainer", "/training/sessions/{session}?school={school}&name=person&page=1"),
    ("admin", "/admin/"),
    ("admin", "/admin/schools"),
    ("admin", "/admin/schools?q=school&page=2"),
    ("admin", "/admin/privacy/"),
    ("admin", "/admin/privacy/audit"),
    ("admin", "/admin/privacy/families?q=Family"),
    ("admin", "/admin/privacy/families?q=rivera"),  # the families build() makes
    ("admin", "/admin/privacy/families?q=rivera&page=2"),
    ("admin", "/admin/privacy/families/{family}"),
    ("coordinator", "/reports/"),
    ("coordinator", "/reports/?school={school}&round={round}&grade=3"),
    ("admin", "/reports/"),
    ("admin", "/reports/district"),
    ("trainer", "/reports/training"),
    ("coordinator", "/reports/impact"),
    ("admin", "/reports/impact"),
]
# The family's whole record (their right to see what is kept about them) reads each of the
# eleven tables that hold something of theirs once: flat, but above the budget of a main page.
# The round board reads the training of the teams shown once more, to flag the visits whose
# team has a disabled or lapsed member ("needs a new team"): flat, one above. And the first
# board after a change of training data reads the version its staff's training is kept under
# (``fieldapp.versions``): one more then, one fewer on every board after (their completions).
BUDGETS = {
    "/admin/privacy/families/{family}": 14,
    "/rounds/{round}": 11,
    "/rounds/{round}?show=all": 12,
    "/rounds/{round}?show=all&page=2": 12,
}


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[f"{r}:{u}" for r, u in PAGES])
def test_every_main_page_keeps_its_query_budget(app, db, client, login, role, url):
    counts = []
    for n in (2, 12):
        world = build(n)
        login(world[role])
        path = url.format(**world)
        with count_queries(db.engine) as statements:
            response = client.get(path)
        assert response.status_code == 200, path
        counts.append(len(statements))
    shown = "\n".join(s[:50] + " … " + s.split(" FROM ")[-1][:90] for s in statements)
    assert counts[1] <= counts[0], f"{url}: {counts[0]} statements, then {counts[1]}\n{shown}"
    budget = BUDGETS.get(url, BUDGET)
    assert counts[1] <= budget, f"{url}: {counts[1]} statements (budget {budget})\n{shown}"


def family_with_attendance(n: int) -> dict:
    """A family of ``n`` children at one school, all in one teacher's class, each with ``n``
    months of attendance this school year, and a visit to them."""
    school = make_school()
    teacher = make_user(Role.VISITOR, school)
    family = make_family()
    first = rules.school_year(clock.today(ZoneInfo(school.timezone)))[0]
    for _ in range(n):
        student = make_student(school, family, teacher=teacher)
        _db.session.add_all(
            AttendanceMonth(
                student_id=student.id,
                school_id=school.id,
                month=date(first.year + (6 + m) // 12, (6 + m) % 12 + 1, 1),
                days_enrolled=Decimal(20),
                days_absent=Decimal(1),
            )
            for m in range(n)
        )
    visit = make_visit(school, family=family)
    return {
        "coordinator": make_user(Role.COORDINATOR, school),
        "teacher": teacher,
        "visitor": visit.members[0],  # visits the family, teaches none of them: no attendance
        "family": family.id,
    }


@pytest.mark.parametrize("role", ["coordinator", "teacher", "visitor"])
def test_the_family_card_reads_its_students_attendance_at_once(app, db, client, login, role):
    """One statement for the attendance of all the students shown, however many students and
    months. (A teacher's card also reads the classes and teachers that policy.view_family
    checks before the page: flat, but above the page budget; not the attendance's doing.)"""
    counts = []
    for n in (2, 6):
        world = family_with_attendance(n)
        login(world[role])
        with count_queries(db.engine) as statements:
            response = client.get(f"/families/{world['family']}")
        assert response.status_code == 200
        shown = "Attendance this school year" in response.get_data(as_text=True)
        assert shown is (role != "visitor")
        counts.append(len(statements))
    assert counts[1] <= counts[0], f"{counts[0]} statements, then {counts[1]}"
    if role != "teacher":
        assert counts[1] <= BUDGET, f"{counts[1]} statements (budget {BUDGET})"
