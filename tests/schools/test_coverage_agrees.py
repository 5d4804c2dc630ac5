"""The school's dashboard and the report count coverage by class the same way (#24): a class
the roster ended is in neither, and the students of the active classes are counted alike."""

from __future__ import annotations

from fieldapp.reports.queries import Scope, coverage
from fieldapp.schools.queries import coverage_by_class
from tests.factories import make_school, make_student, make_user


def test_the_dashboard_and_the_report_list_the_same_classes(db):
    school = make_school()
    teacher = make_user()
    kept = make_student(school, teacher=teacher)
    make_student(school, teacher=teacher)
    ended = make_student(school, teacher=teacher)
    ended.classes[0].active = False  # the roster ended this class
    db.session.commit()
    dashboard = {
        name: students
        for name, students, _ in db.session.execute(coverage_by_class(school.id, None))
    }
    scope = Scope(school_ids=(school.id,), round_id=None, start=None, end=None, grade=None,
                  timezone=school.timezone)  # fmt: skip
    report = {
        label: students
        for _, _, label, _, students, _ in db.session.execute(coverage(scope, ("class",)))
    }
    assert dashboard == report
    assert kept.classes[0].name in dashboard and ended.classes[0].name not in dashboard
