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


MENUS = {
    (Role.VISITOR,): ["My visits", "My training", "Account"],
    (Role.COORDINATOR,): ["School", "Trained staff", "My training", "Reports", "Account"],
    (Role.TRAINER,): ["Training", "Trained staff", "Reports", "Account"],
    (Role.ADMIN,): ["Admin", "Reports", "Account"],
    (Role.VISITOR, Role.COORDINATOR): [
        "My visits",
        "School",
        "Trained staff",
        "My training",
        "Reports",
        "Account",
    ],
    (Role.VISITOR, Role.TRAINER): ["My visits", "Training", "Trained staff", "Reports", "Account"],
}


@pytest.mark.parametrize("roles", list(MENUS), ids=lambda r: "+".join(x.value for x in r))
def test_each_person_s_menu_follows_their_roles_and_language(app, db, client, login, roles):
    """The menu is made once per roles and language in a process: each person still gets their
    own, in their language, and a role given later changes it."""
    person = make_user(roles[0])
    for role in roles[1:]:
        add_role(person, role)
    db.session.commit()
    login(person)
    for _ in range(2):  # the second time from what was kept
        assert menu(client.get("/account")) == MENUS[roles]
    spanish = menu(client.get("/account", headers={"Accept-Language": "es"}))
    assert spanish[-1] == "Cuenta" and len(spanish) == len(MENUS[roles])
    if Role.ADMIN not in roles:
        add_role(person, Role.ADMIN)
        db.session.commit()
        assert "Admin" in menu(client.get("/account"))


def add_role(person, role):
    from fieldapp.models import RoleAssignment
    from tests.factories import make_school

    school = make_school() if role in (Role.VISITOR, Role.COORDINATOR) else None
    person.roles.append(RoleAssignment(role=role, school=school))


def menu(response) -> list[str]:
    nav = response.get_data(as_text=True).split('<header class="top">')[1].split("</nav>")[0]
    return re.findall(r"<a href=\"[^\"]*\"[^>]*>([^<]+)</a>", nav)
