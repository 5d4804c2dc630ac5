"""The relationship export: one row per student, the shared reflection only, safe cells,
UTF-8 with a BOM, streamed, audited; coordinators of the school and admins."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from fieldapp.exports.services import EXPORT_HEADER
from fieldapp.models import AuditEvent, Role
from tests.api.conftest import PRIVATE
from tests.factories import make_student, make_user
from tests.test_query_counts import count_queries


def export(client, school_id, start=None, end=None):
    start = start or date.today() - timedelta(days=30)
    end = end or date.today()
    return client.get(
        f"/schools/{school_id}/relationships.csv",
        query_string={"start": start.isoformat(), "end": end.isoformat()},
    )


def rows_of(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads UTF-8 only with its byte order mark
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_one_row_per_student_with_the_shared_part_only(data, client, login, db):
    make_student(data.school, sis_id="SIS-3")  # not visited: a row with empty visit columns
    login(data.coordinator)
    response = export(client, data.school.id)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.is_streamed
    body = response.get_data(as_text=True)
    assert PRIVATE not in body
    rows = rows_of(response)
    assert list(rows[0]) == EXPORT_HEADER
    by_sis = {r["student_sis_id"]: r for r in rows}
    assert set(by_sis) == {"SIS-1", "'+SIS-2", "SIS-3"}
    first = by_sis["SIS-1"]
    assert first["visit_type"] == "first"
    local = data.visit.completed_at.astimezone(ZoneInfo(data.school.timezone))
    assert first["last_completed_visit_on"] == local.date().isoformat()  # the school's day
    assert first["hopes_and_dreams"] == "She wants to be a nurse"
    assert first["home_language"] == "vi" and first["interpreter_needed"] == "1"
    assert first["preferred_contact_method"] == "text"
    due = date.fromisoformat(first["open_follow_ups"][:10])  # "2026-11-02 Send the library form"
    assert first["open_follow_ups"] == f"{due.isoformat()} Send the library form"
    assert by_sis["'+SIS-2"]["first_name"] == "Ngọc"  # UTF-8 kept
    assert (
        by_sis["SIS-3"]["last_completed_visit_on"] == ""
        and by_sis["SIS-3"]["hopes_and_dreams"] == ""
    )


def test_cells_that_a_spreadsheet_would_run_are_text(data, client, login):
    login(data.coordinator)
    first = next(
        r for r in rows_of(export(client, data.school.id)) if r["student_sis_id"] == "SIS-1"
    )
    assert first["preferred_contact_times"] == '\'=HYPERLINK("http://x") after 6pm'
    assert first["strengths"] == "'-Grandmother reads with her"
    assert first["best_way_to_reach"] == "'@text after 6"


def test_a_visit_outside_the_dates_is_left_out(data, client, login):
    login(data.coordinator)
    today = date.today()
    rows = rows_of(export(client, data.school.id, today - timedelta(days=1), today))
    first = next(r for r in rows if r["student_sis_id"] == "SIS-1")
    assert first["last_completed_visit_on"] == "" and first["hopes_and_dreams"] == ""
    assert first["open_follow_ups"]  # follow-ups are open now, whatever the dates


def test_each_export_is_audited(data, client, login, db):
    login(data.admin)
    assert export(client, data.school.id).status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "relationships.export"))
    assert event.actor_id == data.admin.id and event.school_id == data.school.id
    assert event.detail["start"] and event.detail["end"]


def test_bad_dates_are_a_400_and_on_the_page_a_message(data, client, login):
    login(data.coordinator)
    url = f"/schools/{data.school.id}/relationships"
    assert client.get(url + ".csv", query_string={"start": "x"}).status_code == 400
    response = client.get(url, query_string={"start": "2026-09-10", "end": "2026-09-01"})
    assert response.status_code == 422
    assert b"The end date is before the start date." in response.data


def test_the_page_works_without_javascript(data, client, login):
    login(data.coordinator)
    response = client.get(f"/schools/{data.school.id}/relationships")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'action="/schools/{data.school.id}/relationships.csv"' in page
    assert 'method="get"' in page and 'type="date"' in page


def test_coordinators_of_other_schools_and_visitors_get_nothing(data, client, login):
    other = make_user(Role.COORDINATOR)
    visitor = make_user(Role.VISITOR, data.school)
    login(other)
    assert export(client, data.school.id).status_code == 404
    login(visitor)
    assert export(client, data.school.id).status_code == 403


def test_queries_grow_with_batches_not_rows(data, client, login, db):
    login(data.coordinator)

    def statements() -> int:
        db.session.commit()
        with count_queries(db.engine) as seen:
            assert export(client, data.school.id).status_code == 200
        # The session check reads the account at most once a second (a cache): not the export's.
        return len([s for s in seen if "user_sessions" not in s])

    few = statements()
    for _ in range(40):
        make_student(data.school)
    assert statements() == few
