"""The navigation marks the one link of the page the person is on."""

from __future__ import annotations

import re

import pytest

from fieldapp.models import Role
from tests.factories import make_user


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/training/", "Training"),
        ("/training/roster", "Trained staff"),
        ("/training/sessions/new", "Training"),
        ("/account", "Account"),
    ],
)
def test_one_link_is_marked_current(app, db, client, login, path, current):
    login(make_user(Role.TRAINER))
    page = client.get(path).get_data(as_text=True)
    marked = re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', page)
    assert marked == [current]
