"""A family's rights: to see everything held about it, to get it as a file, to have it erased."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from fieldapp.models import (
    AttendanceMonth,
    AuditEvent,
    ContactAttempt,
    Family,
    FollowUp,
    Guardian,
    HoursEntry,
    PrivateNote,
    Reflection,
    ReflectionDraft,
    Student,
    TeamMember,
    Visit,
    VisitStatus,
    VisitStudent,
)
from fieldapp.privacy import erasure
from fieldapp.schools import queries as school_queries
from tests.privacy.conftest import HOPES, HX, PRIVATE_NOTE

# ---- finding the family -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "term", ["flores", "Marisol", "marisol@example", "(510) 555-0199", "+1 510 555 0199"]
)
def test_find_a_family_by_name_guardian_phone_or_email(client, admin, world, term):
    response = client.get("/admin/privacy/families", query_string={"q": term})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'/admin/privacy/families/{world.family.id}"' in html
    assert "Other family" not in html


def test_the_search_answers_htmx_with_the_results_only(client, admin, world):
    response = client.get("/admin/privacy/families?q=Flores", headers=HX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="results"') and "<h1>" not in html
    assert "Flores family" in html
    empty = client.get("/admin/privacy/families?q=Zzyzx", headers=HX).get_data(as_text=True)
    assert "No family matches" in empty


def test_a_short_search_finds_nothing_yet(client, admin, world):
    html = client.get("/admin/privacy/families?q=F").get_data(as_text=True)
    assert "at least two letters" in html and "Flores family" not in html


# ---- seeing the record ------------------------------------------------------------------------


def test_the_record_page_shows_everything_held_and_private_notes_without_words(
    db, client, admin, world
):
    response = client.get(f"/admin/privacy/families/{world.family.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for held in (
        "Flores family",
        "12 Elm Street, Oakland",  # the visit's place
        "Marisol Flores",
        "marisol@example.org",
        "(510) 555-0199",
        "Lucía",
        "César Chávez Elementary",
        "Completed",
        "Rescheduling",
        "(interpreter)",
        "Call after 6 pm",
        "Texted in Spanish",
        HOPES,
        "Send the library card form",
        "Half",  # the unsent draft
        "Mum&#39;s shift changed",
    ):
        assert held in html, held
    # The team's private note: said to exist, by whom, never its words.
    assert PRIVATE_NOTE not in html and "Keep between us" not in html
    private = html[html.index("Private to the visit team") :]
    team_first = world.completed.team[0].user.name
    assert "the team also wrote a note for itself" in private
    assert f"Written by {team_first}" in private
    assert "Other private note" not in html and "Other follow-up" not in html
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "family.view_record"))
    assert event.actor_id == admin.id and event.object_id == world.family.id


def test_the_record_page_shows_the_students_attendance_months(client, admin, world):
    html = client.get(f"/admin/privacy/families/{world.family.id}").get_data(as_text=True)
    held = html[html.index('id="h-attendance"') : html.index('id="h-visits"')]
    assert "Lucía" in held and "September 2025" in held and "October 2025" in held
    assert ">1.5<" in held and ">22<" in held
    assert ">18<" not in held  # the other family's student


def test_the_json_export_holds_the_same_record(db, client, admin, world):
    response = client.get(f"/admin/privacy/families/{world.family.id}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    record = json.loads(response.get_data(as_text=True))
    assert record["family"]["name"] == "Flores"  # the name alone, no English word
    assert {g["email"] for g in record["guardians"]} == {None, "marisol@example.org"}
    assert {s["school"] for s in record["students"]} == {"César Chávez Elementary"}
    assert len(record["students"]) == 3
    completed, reopened = record["visits"]
    assert completed["status"] == "Completed" and reopened["status"] == "Rescheduling"
    assert [m["role"] for m in completed["team"]] == ["visitor", "interpreter"]
    assert completed["contacts"][0]["note"] == "Call after 6 pm"
    (reflection,) = completed["reflections"]
    assert reflection["shared_with_school"]["Hopes and dreams"] == HOPES
    note = reflection["private_note_of_visit_team"]
    assert note["exists"] is True and note["written_by"] == completed["team"][0]["name"]
    assert note["written_at"] == reflection["submitted_at"]
    assert note["text"].startswith("Withheld")
    assert PRIVATE_NOTE not in response.get_data(as_text=True)
    assert reopened["unsent_drafts"][0]["fields"] == {"Hopes and dreams": "Half"}
    assert record["follow_ups"][0]["description"] == "Send the library card form"
    (lucia,) = [s for s in record["students"] if s["id"] == world.lucia.id]
    assert lucia["attendance"] == [
        {
            "school_year": "2025–26",
            "month": "2025-09-01",
            "school": "César Chávez Elementary",
            "days_enrolled": "20.0",
            "days_absent": "1.5",
        },
        {
            "school_year": "2025–26",
            "month": "2025-10-01",
            "school": "César Chávez Elementary",
            "days_enrolled": "22.0",
            "days_absent": "0.0",
        },
    ]
    assert all(s["attendance"] == [] for s in record["students"] if s["id"] != world.lucia.id)
    assert record["generated_at"].endswith("+00:00")
    assert "Other private note" not in response.get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "family.export"))
    assert event.actor_id == admin.id and event.object_id == world.family.id


def test_a_private_note_in_an_unsent_draft_is_withheld_too(db, client, admin, world):
    draft = db.session.scalar(select(ReflectionDraft))
    draft.data = {"hopes_and_dreams": "Half", "private_note": "Draft-only secret 7731"}
    db.session.commit()
    html = client.get(f"/admin/privacy/families/{world.family.id}").get_data(as_text=True)
    exported = client.get(f"/admin/privacy/families/{world.family.id}/export.json")
    assert "Draft-only secret" not in html
    assert "Draft-only secret" not in exported.get_data(as_text=True)
    (visit,) = [
        v for v in json.loads(exported.get_data(as_text=True))["visits"] if v["unsent_drafts"]
    ]
    fields = visit["unsent_drafts"][0]["fields"]
    assert fields["Hopes and dreams"] == "Half"
    assert fields["Private to the visit team (not shared with the school)"].startswith("Withheld")


def test_the_export_asks_for_the_password_again_when_the_sign_in_is_old(client, admin, world):
    with client.session_transaction() as session:
        session["auth_at"] = time.time() - 3600
    response = client.get(f"/admin/privacy/families/{world.family.id}/export.json")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/reauthenticate")


def test_an_unknown_family_is_404(client, admin, world):
    assert client.get("/admin/privacy/families/999999").status_code == 404


# ---- erasing it -------------------------------------------------------------------------------


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _snapshot(db) -> dict:
    """Every row count the erasure could touch, and what the reports count."""
    counts = {
        m.__name__: _count(db, m)
        for m in (
            Family,
            Guardian,
            Student,
            AttendanceMonth,
            Visit,
            VisitStudent,
            TeamMember,
            ContactAttempt,
            Reflection,
            PrivateNote,
            ReflectionDraft,
            FollowUp,
            HoursEntry,
        )
    }
    counts["completed_by_school"] = dict(
        db.session.execute(
            select(Visit.school_id, func.count())
            .where(Visit.status == VisitStatus.COMPLETED)
            .group_by(Visit.school_id)
        ).all()
    )
    return counts


def _coverage(db, visit):
    return db.session.execute(
        school_queries.coverage_by_grade(visit.school_id, visit.round_id)
    ).all()


def test_the_erase_page_says_what_goes_and_what_stays(client, admin, world):
    response = client.get(f"/admin/privacy/families/{world.family.id}/erase")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This cannot be undone" in html
    assert "2 guardians," in html and "1 reflection, with 1 private note" in html
    assert "2 visits, as counts" in html and "1 still open will be cancelled" in html
    assert "3 students on the school" in html
    assert "2 months of the students’ attendance" in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"confirm_name": "Flores"}, "Say why the record is erased"),
        ({"reason": "Written request"}, "Type “Flores” exactly"),
        ({"reason": "Written request", "confirm_name": "Other"}, "exactly"),
        ({"reason": "   ", "confirm_name": " FLORES "}, "Say why"),
    ],
)
def test_erasure_needs_a_reason_and_a_confirmation(db, client, admin, world, data, error):
    before = _snapshot(db)
    response = client.post(f"/admin/privacy/families/{world.family.id}/erase", data=data)
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    db.session.expire_all()
    assert _snapshot(db) == before


def test_erasure_deletes_exactly_the_family_and_keeps_visits_as_counts(db, client, admin, world):
    family_id = world.family.id
    visits = {v.id: v for v in (world.completed, world.open_visit)}
    kept = {
        v.id: (v.school_id, v.round_id, v.visit_type, v.scheduled_start, v.completed_at)
        for v in visits.values()
    }
    teams = {v.id: [(m.user_id, m.role) for m in v.team] for v in visits.values()}
    student_ids = set(db.session.scalars(select(Student.id).where(Student.family_id == family_id)))
    covered = set(db.session.execute(select(VisitStudent.visit_id, VisitStudent.student_id)))
    hours = set(db.session.execute(select(HoursEntry.id, HoursEntry.user_id, HoursEntry.hours)))
    coverage = _coverage(db, world.completed)
    before = _snapshot(db)
    mine = {
        "Guardian": 2,
        "ContactAttempt": 2,
        "Reflection": 1,
        "PrivateNote": 1,
        "ReflectionDraft": 1,
        "FollowUp": 1,
        "AttendanceMonth": 2,
        "Family": 1,
    }

    response = client.post(
        f"/admin/privacy/families/{family_id}/erase",
        data={"reason": "Family's written request", "confirm_name": " flores  "},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/privacy/families"

    db.session.expire_all()
    after = _snapshot(db)
    for name, gone in mine.items():
        assert after[name] == before[name] - gone, name
    unchanged = {"Student", "Visit", "VisitStudent", "TeamMember", "HoursEntry"}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert after["completed_by_school"] == before["completed_by_school"]
    assert _coverage(db, world.completed) == coverage

    assert db.session.get(Family, family_id) is None
    for visit_id, facts in kept.items():
        visit = db.session.get(Visit, visit_id)
        assert visit.family_id is None and visit.place is None and visit.status_reason is None
        assert (
            visit.school_id,
            visit.round_id,
            visit.visit_type,
            visit.scheduled_start,
            visit.completed_at,
        ) == facts
        assert [(m.user_id, m.role) for m in visit.team] == teams[visit_id]
    assert db.session.get(Visit, world.completed.id).status == VisitStatus.COMPLETED
    # Nobody can arrange a visit with a family that is no longer there.
    assert db.session.get(Visit, world.open_visit.id).status == VisitStatus.CANCELLED
    for student_id in student_ids:
        assert db.session.get(Student, student_id).family_id is None
    assert set(db.session.execute(select(VisitStudent.visit_id, VisitStudent.student_id))) == (
        covered
    )
    assert set(db.session.execute(select(HoursEntry.id, HoursEntry.user_id, HoursEntry.hours))) == (
        hours
    )

    # The other family is untouched.
    other = db.session.get(Family, world.other.id)
    assert other.guardians and db.session.get(Visit, world.other_visit.id).family_id == other.id
    assert db.session.scalar(select(PrivateNote.text)) == "Other private note"

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "family.erase"))
    assert event.actor_id == admin.id
    assert (event.object_type, event.object_id) == ("family", family_id)
    assert event.detail["reason"] == "Family's written request"
    assert event.detail["reflections"] == 1 and event.detail["visits_kept"] == 2
    assert event.detail["attendance_months"] == 2
    flat = json.dumps(event.detail)
    for personal in ("Flores", "Marisol", "555", "Elm", "Lucía"):
        assert personal not in flat


def test_erasure_is_all_or_nothing(db, admin, world, monkeypatch):
    before = _snapshot(db)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(erasure.audit, "record", fail)  # the last step before the family goes
    with pytest.raises(RuntimeError):
        erasure.erase_family(world.family, reason="Request", by=admin, now=datetime.now(UTC))
    db.session.rollback()
    assert _snapshot(db) == before
    family = db.session.get(Family, world.family.id)
    assert len(family.guardians) == 2
    assert db.session.get(Visit, world.open_visit.id).place == "Public library, 2nd floor"


def test_erasure_asks_for_the_password_again_when_the_sign_in_is_old(db, client, admin, world):
    with client.session_transaction() as session:
        session["auth_at"] = time.time() - 3600
    response = client.post(
        f"/admin/privacy/families/{world.family.id}/erase",
        data={"reason": "Request", "confirm_name": "Flores"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/reauthenticate")
    assert db.session.get(Family, world.family.id) is not None
