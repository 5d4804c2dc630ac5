"""The session page at district scale: a page of the roster at a time, kept to a school or a
part of a name, and every action on it (marking present, completion) going back to the rows
it came from."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from fieldapp.models import Attendance, Role, TrainingCompletion
from fieldapp.training.views import SESSION_PER_PAGE
from tests.factories import make_school, make_user
from tests.training.test_training import HX, make_session

ROW = re.compile(r'<li id="person-(\d+)"')


def rows(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [int(i) for i in ROW.findall(response.get_data(as_text=True))]


@pytest.fixture
def trainer(db, login):
    person = make_user(Role.TRAINER)
    login(person)
    return person


@pytest.fixture
def two_schools(db):
    """A session for two schools: 55 people at the first (Person A00…A54), 3 at the second."""
    first, second = make_school(name="Adams Elementary"), make_school(name="Birch Elementary")
    staff = [
        make_user(Role.VISITOR, first, name=f"Person A{i:02d}", trained=False) for i in range(55)
    ]
    others = [
        make_user(Role.VISITOR, second, name=f"Person B{i:02d}", trained=False) for i in range(3)
    ]
    session = make_session(first)
    session.schools.append(second)
    db.session.commit()
    return session, first, second, staff, others


def test_the_roster_comes_a_page_at_a_time_by_name(db, client, trainer, two_schools):
    session, _first, _second, staff, others = two_schools
    url = f"/training/sessions/{session.id}"
    first_page = client.get(url)
    everyone = sorted([*staff, *others], key=lambda u: u.name)
    assert rows(first_page) == [u.id for u in everyone[:SESSION_PER_PAGE]]
    text = first_page.get_data(as_text=True)
    assert "0 present of 58" in text  # the count is the whole session's
    assert f'href="{url}?page=2"' in text
    assert rows(client.get(f"{url}?page=2")) == [u.id for u in everyone[SESSION_PER_PAGE:]]
    assert rows(client.get(f"{url}?page=99")) == rows(client.get(f"{url}?page=2"))  # the last


def test_the_roster_is_kept_to_a_school_and_a_part_of_a_name(db, client, trainer, two_schools):
    session, first, second, staff, others = two_schools
    url = f"/training/sessions/{session.id}"
    assert rows(client.get(f"{url}?school={second.id}")) == [u.id for u in others]
    # Part of a name, in any case; together with the school.
    assert rows(client.get(f"{url}?name=a0")) == [u.id for u in staff[:10]]
    assert rows(client.get(f"{url}?school={second.id}&name=a0")) == []
    assert "Nobody on the roster matches." in client.get(f"{url}?name=zzz").get_data(as_text=True)
    # Pages keep the filters.
    page = client.get(f"{url}?school={first.id}").get_data(as_text=True)
    assert f'href="{url}?page=2&amp;school={first.id}"' in page
    # A school the session did not invite, or no school at all, is not found.
    elsewhere = make_school()
    db.session.commit()
    assert client.get(f"{url}?school={elsewhere.id}").status_code == 404
    assert client.get(f"{url}?school=junk").status_code == 404


def test_htmx_filtering_answers_with_the_roster_only(db, client, trainer, two_schools):
    session, _first, second, _staff, others = two_schools
    response = client.get(f"/training/sessions/{session.id}?school={second.id}", headers=HX)
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="roster">')
    assert "<html" not in text
    assert rows(response) == [u.id for u in others]


def test_marking_present_on_a_filtered_page_goes_back_to_it(db, client, trainer, two_schools):
    session, first, _second, staff, _others = two_schools
    person = staff[52]  # on the second page
    view = f"/training/sessions/{session.id}?page=2&school={first.id}"
    page = client.get(view).get_data(as_text=True)
    action = f"/training/sessions/{session.id}/present/{person.id}?school={first.id}&amp;page=2"
    assert f'action="{action}"' in page
    plain = client.post(action.replace("&amp;", "&"), data={"present": "1"})
    assert plain.status_code == 303
    assert plain.location.endswith(
        f"/training/sessions/{session.id}?school={first.id}&page=2#person-{person.id}"
    )
    # With HTMX: the row, the count and the completion of the rows shown, out of band.
    other = staff[53]
    tapped = client.post(
        f"/training/sessions/{session.id}/present/{other.id}?school={first.id}&page=2",
        data={"present": "1"},
        headers=HX,
    )
    text = tapped.get_data(as_text=True)
    assert rows(tapped) == [other.id]
    assert 'aria-pressed="true"' in text
    assert "2 present of 58" in text and 'id="present-count" hx-swap-oob="true"' in text
    ticked = re.findall(r'name="people" value="(\d+)" checked', text)
    assert sorted(map(int, ticked)) == [person.id, other.id]
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 2


def test_completion_is_recorded_for_the_people_shown(db, client, trainer, two_schools):
    session, first, _second, staff, _others = two_schools
    early, late = staff[0], staff[54]  # on the first page and on the second
    for person in (early, late):
        db.session.add(Attendance(session_id=session.id, user_id=person.id))
    db.session.commit()
    second_page = client.get(f"/training/sessions/{session.id}?page=2").get_data(as_text=True)
    assert re.findall(r'name="people" value="(\d+)"', second_page) == [str(late.id)]
    assert "For the people shown above" in second_page
    done = client.post(
        f"/training/sessions/{session.id}/complete?page=2", data={"people": [str(late.id)]}
    )
    assert done.status_code == 303
    assert done.location.endswith(f"/training/sessions/{session.id}?page=2")
    completed = db.session.scalars(
        select(TrainingCompletion.user_id).where(TrainingCompletion.session_id == session.id)
    ).all()
    assert completed == [late.id]
    page = client.get(f"/training/sessions/{session.id}?page=2").get_data(as_text=True)
    assert f"{late.name} (completed)" in page
    assert f"/completions/{late.id}/take-back?page=2" in page
    first_page = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
    assert re.findall(r'name="people" value="(\d+)"', first_page) == [str(early.id)]


def test_a_walk_in_added_is_shown_found_by_name(db, client, trainer, two_schools):
    session, *_rest = two_schools
    walk_in = make_user(Role.VISITOR, make_school(), name="Zelda Walkin", trained=False)
    db.session.commit()
    found = client.get(f"/training/sessions/{session.id}/walk-ins?q=zelda", headers=HX)
    action = re.search(r'action="([^"]+)"', found.get_data(as_text=True)).group(1)
    added = client.post(action.replace("&amp;", "&"), data={"present": "1"})
    assert added.status_code == 303
    page = client.get(added.location.split("#")[0])
    assert rows(page) == [walk_in.id]
    assert "1 present of 59" in page.get_data(as_text=True)


def test_only_trainers_open_the_session_page(db, client, login, two_schools):
    session, first, *_rest = two_schools
    login(make_user(Role.COORDINATOR, first))
    assert client.get(f"/training/sessions/{session.id}?school={first.id}").status_code == 403
    login(make_user(Role.TRAINER))
    assert client.get(f"/training/sessions/{session.id + 1000}").status_code == 404
