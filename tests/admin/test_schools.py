"""The admin's schools page: a district's schools a page at a time by name, each with its active
students and the link to its relationship data, found by part of the name or the code. The
admin home names how many there are and links to it (it listed all of them, 200 rows)."""

from __future__ import annotations

from fieldapp.models import Role
from tests.factories import make_school, make_student, make_user


def test_the_home_counts_the_schools_and_links_their_page(db, client, login):
    make_school(name="Lincoln Elementary")
    make_school(name="Mesa Middle")
    login(make_user(Role.ADMIN))
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/schools"' in html
    assert "2 schools: their students and relationship data" in html
    assert "Lincoln Elementary" not in html  # listed on their own page


def test_each_school_shows_its_active_students_and_its_data_out(db, client, login):
    lincoln = make_school(name="Lincoln Elementary", code="LIN")
    mesa = make_school(name="Mesa Middle", code="MES")
    for _ in range(3):
        make_student(lincoln)
    make_student(lincoln, active=False)  # left the school: not counted
    make_student(mesa)
    login(make_user(Role.ADMIN))
    html = client.get("/admin/schools").get_data(as_text=True)
    rows = html.split("<tr>")[2:]  # after the header's row
    assert "Lincoln Elementary" in rows[0] and '<td class="num">3</td>' in rows[0]
    assert "Mesa Middle" in rows[1] and '<td class="num">1</td>' in rows[1]
    assert f'href="/schools/{lincoln.id}/relationships"' in rows[0]
    assert f'href="/schools/{mesa.id}/relationships"' in rows[1]
    assert "2 schools" in html


def test_schools_come_a_page_at_a_time_by_name_and_are_found_by_name_or_code(db, client, login):
    for n in range(55):
        make_school(name=f"School {n:02d}", code=f"C{n:02d}")
    make_school(name="Zeta Academy", code="ZZ9")
    login(make_user(Role.ADMIN))
    first = client.get("/admin/schools").get_data(as_text=True)
    assert "56 schools · page 1 of 2" in first
    assert "School 49" in first and "School 50" not in first
    assert 'href="/admin/schools?page=2"' in first
    second = client.get("/admin/schools?page=2").get_data(as_text=True)
    assert "School 50" in second and "Zeta Academy" in second and "School 49" not in second
    # A page past the last shows the last; junk is the first.
    assert "Zeta Academy" in client.get("/admin/schools?page=99").get_data(as_text=True)
    assert "School 00" in client.get("/admin/schools?page=abc").get_data(as_text=True)
    by_code = client.get("/admin/schools?q=zz9").get_data(as_text=True)
    assert "Zeta Academy" in by_code and "School 00" not in by_code and "1 school" in by_code
    by_name = client.get("/admin/schools?q=school+0").get_data(as_text=True)
    assert "10 schools" in by_name and "School 09" in by_name and "School 10" not in by_name
    # A wildcard typed is a character, not a pattern.
    none = client.get("/admin/schools?q=%25").get_data(as_text=True)
    assert "No school matches" in none and "School 00" not in none
    fragment = client.get("/admin/schools?q=zeta", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and 'id="schools"' in text and "Zeta Academy" in text


def test_a_search_too_long_is_refused_beside_the_field(db, client, login):
    make_school(name="Lincoln Elementary")
    login(make_user(Role.ADMIN))
    response = client.get("/admin/schools?q=" + "x" * 101)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'id="q-error"' in html
    assert "Lincoln Elementary" in html  # the list stays, unfiltered


def test_only_an_admin_sees_the_schools(db, client, login):
    school = make_school()
    login(make_user(Role.COORDINATOR, school))
    assert client.get("/admin/schools").status_code == 403
