"""The report's filters (fieldapp/reports/filters.py): query-string values turned into a Scope,
for a person and the schools they may see, without a view around them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from fieldapp.models import Role
from fieldapp.reports.filters import read
from tests.factories import make_round, make_school, make_user


def _read(app, args, allowed, user, **kw):
    with app.test_request_context():
        return read(MultiDict(args), allowed, user, "America/Chicago", **kw)


def test_values_become_the_scope_and_bad_ones_stay_beside_their_field(app, db):
    school = make_school(name="Lincoln", timezone="America/New_York")
    admin = make_user(Role.ADMIN)
    db.session.commit()
    filters = _read(
        app, {"school": str(school.id), "grade": "3", "start": "2026-09-01"}, None, admin
    )
    scope = filters.scope
    assert (scope.school_ids, scope.grade, scope.start) == ((school.id,), "3", date(2026, 9, 1))
    assert scope.timezone == "America/New_York" and filters.status == 200
    assert filters.args == {"school": str(school.id), "start": "2026-09-01", "grade": "3"}
    bad = _read(app, {"start": "not a day"}, None, admin)
    assert bad.status == 422 and bad.scope.start is None and bad.form.start.errors
    assert bad.scope.school_ids is None and bad.scope.timezone == "America/Chicago"


def test_a_school_this_person_may_not_see_is_not_found(app, db):
    mine, other = make_school(), make_school()
    coordinator = make_user(Role.COORDINATOR, mine)
    db.session.commit()
    filters = _read(app, {}, {mine.id}, coordinator)
    assert filters.scope.school_ids == (mine.id,)  # one school at a time, theirs
    with pytest.raises(NotFound):
        _read(app, {"school": str(other.id)}, {mine.id}, coordinator)


def test_the_round_is_one_of_the_schools_and_another_schools_is_only_a_notice(app, db):
    school, other = make_school(), make_school()
    mine, closed = make_round(school, name="Fall"), make_round(school, name="Spring")
    closed.closed_at = datetime.now(UTC)
    theirs = make_round(other)
    admin = make_user(Role.ADMIN)
    db.session.commit()
    filters = _read(app, {"school": str(school.id), "round": str(mine.id)}, None, admin)
    assert filters.round == mine and filters.scope.round_id == mine.id and not filters.notice
    assert [c.label for c in filters.form.round.choices] == [
        "All rounds",
        "Fall",
        "Spring (closed)",
    ]
    moved = _read(app, {"school": str(school.id), "round": str(theirs.id)}, None, admin)
    assert moved.round is None and moved.scope.round_id is None and moved.notice
    with pytest.raises(NotFound):
        _read(app, {"school": str(school.id), "round": "fall"}, None, admin)


def test_only_someone_who_sees_every_school_may_choose_all_of_them(app, db):
    a, b = make_school(name="Alder"), make_school(name="Birch")
    admin, coordinator = make_user(Role.ADMIN), make_user(Role.COORDINATOR, b)
    db.session.commit()
    everyone = _read(app, {}, None, admin)
    assert [c.label for c in everyone.form.school.choices][:1] == ["All schools"]
    assert everyone.school is None and everyone.scope.school_ids is None
    assert [c.value for c in _read(app, {}, {b.id}, coordinator).form.school.choices] == [str(b.id)]
    district = _read(app, {"school": str(a.id)}, None, admin, by_school=False)
    assert district.school is None and district.scope.school_ids is None  # the school ignored
