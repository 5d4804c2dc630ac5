"""A school and its coordinator, signed in: where every test of rounds starts."""

from __future__ import annotations

import pytest

from fieldapp.models import Role
from tests.factories import make_school, make_user


@pytest.fixture
def school(db):
    return make_school()


@pytest.fixture
def coordinator(db, school, login):
    person = make_user(Role.COORDINATOR, school)
    login(person)
    return person
