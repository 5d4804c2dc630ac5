"""The round board of a district school: a page of visits at a time, filters kept across pages
and through every change made on a page."""

from __future__ import annotations

import re

import pytest

from fieldapp.models import Role
from fieldapp.rounds.views import BOARD_PER_PAGE
from tests.factories import make_round, make_user, make_visit
from tests.rounds.test_board import HX, board_data

CARD = re.compile(r'name="visits" value="(\d+)"')


def shown(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [int(i) for i in CARD.findall(response.get_data(as_text=True))]


@pytest.fixture
def big_round(db, school):
    """A round of BOARD_PER_PAGE + 5 visits without a team, and two with one."""
    rnd = make_round(school)
    open_ = [make_visit(school, team=[], round=rnd) for _ in range(BOARD_PER_PAGE + 5)]
    pair = [make_user(Role.VISITOR, school), make_user(Role.VISITOR, school)]
    teamed = [make_visit(school, team=pair, round=rnd) for _ in range(2)]
    db.session.commit()
    return rnd, open_, teamed, pair


def test_the_board_comes_a_page_at_a_time(db, client, coordinator, big_round):
    rnd, open_, teamed, _pair = big_round
    first = client.get(f"/rounds/{rnd.id}")
    assert shown(first) == [v.id for v in open_[:BOARD_PER_PAGE]]
    html = first.get_data(as_text=True)
    assert f"Showing 1–{BOARD_PER_PAGE} of {BOARD_PER_PAGE + 5}." in html
    assert f'href="/rounds/{rnd.id}?page=2"' in html
    assert shown(client.get(f"/rounds/{rnd.id}?page=2")) == [v.id for v in open_[BOARD_PER_PAGE:]]
    # Past the last page: the last page.
    assert shown(client.get(f"/rounds/{rnd.id}?page=9")) == [v.id for v in open_[BOARD_PER_PAGE:]]


def test_pages_keep_the_filters(db, client, coordinator, big_round):
    rnd, open_, teamed, _pair = big_round
    every = [v.id for v in sorted([*open_, *teamed], key=lambda v: v.id)]
    html = client.get(f"/rounds/{rnd.id}?show=all&language=es").get_data(as_text=True)
    assert f'href="/rounds/{rnd.id}?page=2&amp;language=es&amp;show=all"' in html
    second = client.get(f"/rounds/{rnd.id}?show=all&language=es&page=2")
    assert shown(second) == every[BOARD_PER_PAGE:]
    assert shown(client.get(f"/rounds/{rnd.id}?show=all&language=en")) == []


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain post"])
def test_a_change_on_the_second_page_comes_back_to_it(
    db, client, school, coordinator, big_round, headers
):
    rnd, open_, _teamed, pair = big_round
    html = client.get(f"/rounds/{rnd.id}?page=2&show=all").get_data(as_text=True)
    assert f'action="/rounds/{rnd.id}/assign?show=all&amp;page=2"' in html
    assert f'hx-post="/rounds/{rnd.id}/assign?page=2"' in html
    visit = open_[-1]
    url = f"/rounds/{rnd.id}/assign?page=2" + ("" if headers else "&show=all")
    response = client.post(url, data=board_data([visit], *pair, show="all"), headers=headers)
    if headers:
        assert response.status_code == 200
        assert visit.id in shown(response)  # the second page, the visit with its team now
        assert "1 visit assigned to" in response.get_data(as_text=True)
    else:
        assert response.status_code == 303
        assert response.location.endswith(f"/rounds/{rnd.id}?page=2&show=all")


def test_tick_all_ticks_the_page_shown(db, client, coordinator, big_round):
    rnd, open_, _teamed, _pair = big_round
    response = client.post(f"/rounds/{rnd.id}/assign?page=2", data={"tick_all": "1"}, headers=HX)
    html = response.get_data(as_text=True)
    ticked = {int(i) for i in re.findall(r'name="visits" value="(\d+)" checked', html)}
    assert ticked == {v.id for v in open_[BOARD_PER_PAGE:]}


def test_only_the_school_s_coordinator_opens_the_board(db, client, login, big_round):
    rnd, *_rest = big_round
    login(make_user(Role.COORDINATOR))  # of another school
    assert client.get(f"/rounds/{rnd.id}?page=2").status_code == 404  # not theirs: not there
    assert client.get(f"/rounds/{rnd.id + 1000}").status_code == 404
