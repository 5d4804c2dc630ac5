"""Both team members wrote the reflection with no signal: both are kept, the team merges them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select

from fieldapp.models import HoursEntry, HoursMode, PrivateNote, Reflection, Visit, VisitStatus
from tests.sync.conftest import happened_visit, reflection_item


def two_versions(db, client, login, school=None):
    visit = happened_visit(school)
    db.session.commit()
    first, second = visit.members
    login(first)
    client.post("/sync", json={"items": [reflection_item(visit, hopes_and_dreams="A nurse")]})
    login(second)
    answer = client.post(
        "/sync",
        json={
            "items": [
                reflection_item(
                    visit,
                    hopes_and_dreams="A nurse, like her aunt",
                    strengths="Grandma's stories",
                    private_note="Dad was tired",
                    duration_minutes="55",
                )
            ]
        },
    )
    assert answer.json["results"][0]["status"] == "stored"
    return visit


def test_the_second_reflection_is_kept_as_a_version_not_an_overwrite(db, client, login):
    visit = two_versions(db, client, login)
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.status == VisitStatus.COMPLETED
    texts = sorted(r.hopes_and_dreams for r in visit.reflections)
    assert texts == ["A nurse", "A nurse, like her aunt"]
    # Completed once and paid once: the second version changes no hours.
    assert db.session.scalar(select(func.count()).select_from(HoursEntry)) == 2
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "2 versions of the reflection" in page and "Merge them into one" in page


def test_the_team_merges_the_versions_into_one(db, client, login):
    visit = two_versions(db, client, login, school=None)
    form = client.get(f"/visits/{visit.id}/reflection/merge").get_data(as_text=True)
    # Each version's text once, ready to edit; both private notes too.
    assert "A nurse\n\nA nurse, like her aunt" in form
    assert "Dad was tired" in form and "Only for us" in form
    ids = sorted(r.id for r in db.session.get(Visit, visit.id).reflections)
    response = client.post(
        f"/visits/{visit.id}/reflection/merge",
        data={
            "version": [str(i) for i in ids],
            "hopes_and_dreams": "A nurse, like her aunt",
            "strengths": "Grandma's stories",
            "private_note": "Dad was tired",
            "duration_minutes": "40",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    current = db.session.scalars(
        select(Reflection).where(
            Reflection.visit_id == visit.id, Reflection.superseded_by_id.is_(None)
        )
    ).all()
    assert [r.hopes_and_dreams for r in current] == ["A nurse, like her aunt"]
    assert db.session.scalar(select(func.count()).select_from(Reflection)) == 3  # history kept
    assert current[0].private_note.text == "Dad was tired"
    assert db.session.scalar(select(func.count()).select_from(PrivateNote)) == 3
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "versions of the reflection" not in page
    # The relationship card shows the merged reflection.
    card = client.get(f"/families/{visit.family_id}").get_data(as_text=True)
    assert "A nurse, like her aunt" in card
    # Merging again is refused: there is nothing left to merge.
    again = client.post(f"/visits/{visit.id}/reflection/merge", data={"version": ids})
    assert again.status_code == 303


def test_a_merge_from_a_stale_page_is_refused(db, client, login):
    visit = two_versions(db, client, login)
    ids = sorted(r.id for r in db.session.get(Visit, visit.id).reflections)
    response = client.post(
        f"/visits/{visit.id}/reflection/merge",
        data={"version": [str(ids[0])], "hopes_and_dreams": "x", "duration_minutes": "40"},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/merge")
    assert db.session.scalar(select(func.count()).select_from(Reflection)) == 2


def test_in_a_school_paid_by_the_minute_hours_follow_the_merged_duration(db, client, login):
    from tests.factories import make_school

    school = make_school(hours_mode=HoursMode.MINUTES)
    visit = two_versions(db, client, login, school=school)
    assert {e.hours for e in db.session.scalars(select(HoursEntry))} == {Decimal("0.67")}
    ids = [r.id for r in db.session.get(Visit, visit.id).reflections]
    client.post(
        f"/visits/{visit.id}/reflection/merge",
        data={"version": ids, "hopes_and_dreams": "A nurse", "duration_minutes": "60"},
    )
    db.session.expire_all()
    assert {e.hours for e in db.session.scalars(select(HoursEntry))} == {Decimal("1.00")}
    assert db.session.scalar(select(func.count()).select_from(HoursEntry)) == 2


def test_with_one_reflection_there_is_nothing_to_merge(db, client, login):
    visit = happened_visit()
    db.session.commit()
    login(visit.members[0])
    client.post("/sync", json={"items": [reflection_item(visit)]})
    assert client.get(f"/visits/{visit.id}/reflection/merge").status_code == 303


def test_a_family_with_merged_versions_can_still_be_erased(db, client, login):
    from fieldapp.privacy import erasure

    visit = two_versions(db, client, login)
    ids = [r.id for r in db.session.get(Visit, visit.id).reflections]
    client.post(
        f"/visits/{visit.id}/reflection/merge",
        data={"version": ids, "hopes_and_dreams": "A nurse", "duration_minutes": "40"},
    )
    db.session.expire_all()
    family = db.session.get(Visit, visit.id).family
    counts = erasure.erase_family(family, reason="The family asked", by=None, now=datetime.now(UTC))
    db.session.commit()
    assert counts.reflections == 3 and counts.private_notes == 2  # the merge kept none
    assert db.session.scalar(select(func.count()).select_from(Reflection)) == 0
