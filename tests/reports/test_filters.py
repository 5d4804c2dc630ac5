"""The report's filters (fieldapp/reports/filters.py): query-string values turned into a Scope,
for a person and the schools they may see, without a view around them."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from fieldapp.models import Role
from fieldapp.reports.filters import read
from tests.factories import make_school, make_user


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
