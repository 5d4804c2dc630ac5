"""Only district admins use the privacy pages; every route says so."""

from __future__ import annotations

import pytest

from fieldapp import policy
from fieldapp.models import Role
from tests.factories import make_family, make_school, make_user

# (method, url, what an admin who just signed in gets)
ADMIN_ROUTES = [
    ("GET", "/admin/privacy/", 200),
    ("GET", "/admin/privacy/audit", 200),
    ("GET", "/admin/privacy/audit.csv", 200),
    ("GET", "/admin/privacy/families?q=Family", 200),
    ("GET", "/admin/privacy/families/{family}", 200),
    ("GET", "/admin/privacy/families/{family}/export.json", 200),
    ("GET", "/admin/privacy/families/{family}/erase", 200),
    ("POST", "/admin/privacy/families/{family}/erase", 422),  # no reason, no confirmation
    ("GET", "/admin/privacy/settings", 200),
    ("POST", "/admin/privacy/settings", 303),  # empty: keep everything for ever
]
ROUTES = [(method, url) for method, url, _ in ADMIN_ROUTES]


def test_every_privacy_route_is_for_admins(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("privacy.")]
    assert len(rules) == 9  # the blueprint's routes; ROUTES walks each method
    for rule in rules:
        assert app.view_functions[rule.endpoint].permission is policy.administer


@pytest.fixture
def family(db):
    family = make_family()
    db.session.commit()
    return family


@pytest.mark.parametrize("role", [Role.VISITOR, Role.COORDINATOR, Role.TRAINER])
@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_others_get_403(db, client, login, family, role, method, url):
    person = make_user(role, make_school() if role.is_school_role else None)
    login(person)
    response = client.open(url.format(family=family.id), method=method)
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "url", "status"), ADMIN_ROUTES)
def test_admins_get_in(db, client, admin, family, method, url, status):
    response = client.open(url.format(family=family.id), method=method)
    assert response.status_code == status


@pytest.mark.parametrize(("method", "url"), ROUTES)
def test_signed_out_people_are_sent_to_sign_in(client, family, method, url):
    response = client.open(url.format(family=family.id), method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
