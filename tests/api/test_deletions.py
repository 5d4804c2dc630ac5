"""What the API tells a school's system about deletions: a family's erasure and the retention
purge each reach the next incremental pull with the saved cursor (tombstones; cards sent again
without what was removed), one school's deletions never reach another's token, and the
record of deletions is kept ``tombstones.KEEP_DAYS`` days, then purged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from fieldapp import tombstones
from fieldapp.api import tokens
from fieldapp.extensions import db as _db
from fieldapp.models import ApiResource, ApiTombstone, FollowUp, Reflection, Role, School, Student
from fieldapp.privacy import erasure, retention
from fieldapp.roster import services as roster
from fieldapp.roster.parse import read_folder
from tests.api.conftest import complete_visit
from tests.api.test_api import pull_all
from tests.factories import make_school, make_student, make_user
from tests.test_query_counts import count_queries


def erase(data) -> None:
    erasure.erase_family(
        data.visit.family, reason="The family asked", by=data.admin, now=datetime.now(UTC)
    )
    _db.session.commit()


def test_an_erased_familys_follow_up_comes_once_more_as_deleted(data, api, db):
    follow_up_id = data.follow_up.id
    before, cursor = pull_all(api, "/follow-ups", data.secret)
    assert [f["id"] for f in before] == [follow_up_id]
    assert before[0]["deleted_at"] is None

    erase(data)

    (gone,), after = pull_all(api, "/follow-ups", data.secret, cursor=cursor)
    assert gone["id"] == follow_up_id
    assert gone["deleted_at"] is not None and gone["deleted_at"] == gone["updated_at"]
    assert set(gone) == {"id", "updated_at", "deleted_at"}  # no content: it was deleted
    assert pull_all(api, "/follow-ups", data.secret, cursor=after)[0] == []  # once only
    # A pull from a time after the erasure has nothing to delete either.
    later = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    assert api("/follow-ups", data.secret, updated_since=later).json["data"] == []


def test_an_erasure_sends_the_familys_cards_and_visits_again(data, api, db):
    _, cards_cursor = pull_all(api, "/relationship-cards", data.secret)
    _, visits_cursor = pull_all(api, "/visits", data.secret)

    erase(data)

    cards, _ = pull_all(api, "/relationship-cards", data.secret, cursor=cards_cursor)
    assert sorted(c["id"] for c in cards) == sorted([data.student.id, data.sibling.id])
    for card in cards:
        assert card["family"] is None and card["reflection"] is None
        assert card["open_follow_ups"] == [] and card["deleted_at"] is None
    visits, _ = pull_all(api, "/visits", data.secret, cursor=visits_cursor)
    assert [v["id"] for v in visits] == [data.visit.id]


def test_the_erasure_page_writes_the_tombstones_too(data, api, db, client, login):
    _, cursor = pull_all(api, "/follow-ups", data.secret)
    login(data.admin)
    family = data.visit.family
    response = client.post(
        f"/admin/privacy/families/{family.id}/erase",
        data={"confirm_name": family.name, "reason": "The family asked"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    changed, _ = pull_all(api, "/follow-ups", data.secret, cursor=cursor)
    assert [(f["id"], f["deleted_at"] is not None) for f in changed] == [(data.follow_up.id, True)]


def test_each_school_hears_of_a_deletion_it_could_read_and_no_other_does(data, api, db):
    # The family has a child at the other school too: both schools listed the follow-up.
    make_student(db.session.get(type(data.school), data.other_visit.school_id), data.visit.family)
    third = make_school()
    _, third_secret = tokens.create_token(third, "Third SIS", by=data.admin)
    db.session.commit()
    follow_up_id = data.follow_up.id
    _, cursor = pull_all(api, "/follow-ups", data.secret)
    _, other_cursor = pull_all(api, "/follow-ups", data.other_secret)
    _, third_cursor = pull_all(api, "/follow-ups", third_secret)

    erase(data)

    for secret, start in ((data.secret, cursor), (data.other_secret, other_cursor)):
        changed, _ = pull_all(api, "/follow-ups", secret, cursor=start)
        assert [(f["id"], f["deleted_at"] is not None) for f in changed] == [(follow_up_id, True)]
    assert pull_all(api, "/follow-ups", third_secret, cursor=third_cursor)[0] == []
    assert api("/follow-ups", third_secret).json["data"] == []
    rows = db.session.scalars(select(ApiTombstone)).all()
    assert sorted(t.school_id for t in rows) == sorted([data.school.id, data.other_visit.school_id])


def test_a_token_never_lists_another_schools_deletions(data, api, db):
    db.session.add_all(
        ApiTombstone(
            resource=resource,
            resource_id=data.visit.id,
            school_id=data.other_visit.school_id,
            deleted_at=datetime.now(UTC),
        )
        for resource in ApiResource
    )
    db.session.commit()
    for path in ("/visits", "/follow-ups", "/relationship-cards"):
        records = api(path, data.secret, limit=200).json["data"]
        assert all(r["deleted_at"] is None for r in records), path
        others = api(path, data.other_secret, limit=200).json["data"]
        assert [r["id"] for r in others if r["deleted_at"]] == [data.visit.id], path


def test_a_purged_reflection_sends_its_cards_again_without_it(data, api, db, runner):
    reflection = data.visit.reflections[0]
    reflection.submitted_at = datetime.now(UTC) - timedelta(days=3 * 366)
    retention.set_retention(reflection_years=2, audit_days=None, by=None)
    db.session.commit()
    cards, cursor = pull_all(api, "/relationship-cards", data.secret)
    held = {c["id"]: c["updated_at"] for c in cards}
    assert cards[0]["reflection"]["hopes_and_dreams"] == "She wants to be a nurse"

    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert pull_all(api, "/relationship-cards", data.secret, cursor=cursor)[0] == []

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Reflection.id))) == 0

    changed, after = pull_all(api, "/relationship-cards", data.secret, cursor=cursor)
    assert sorted(c["id"] for c in changed) == sorted([data.student.id, data.sibling.id])
    for card in changed:
        assert card["reflection"] is None
        assert card["updated_at"] > held[card["id"]]
    assert pull_all(api, "/relationship-cards", data.secret, cursor=after)[0] == []
    single = api(f"/relationship-cards/{data.student.id}", data.secret).json
    assert single["updated_at"] > held[data.student.id] and single["reflection"] is None


def test_deletions_come_in_order_among_the_changes_page_by_page(data, api, db):
    _, cursor = pull_all(api, "/follow-ups", data.secret)
    now = datetime.now(UTC)
    kept = FollowUp(family_id=data.visit.family_id, description="Lend a book", due_on=date.today())
    db.session.add(kept)
    db.session.add_all(
        ApiTombstone(
            resource=ApiResource.FOLLOW_UP,
            resource_id=1000 + n,
            school_id=data.school.id,
            deleted_at=now - timedelta(microseconds=n),  # after the cursor, before `kept`
        )
        for n in (1, 2)
    )
    db.session.commit()
    seen, pages, start = [], 0, cursor
    while True:
        page = api("/follow-ups", data.secret, cursor=start, limit=1).json
        seen += page["data"]
        pages += 1
        start = page["next_cursor"]
        if not page["has_more"]:
            break
    assert pages == 3
    assert [(r["id"], r["deleted_at"] is not None) for r in seen] == [
        (1002, True),
        (1001, True),
        (kept.id, False),
    ]
    assert [r["updated_at"] for r in seen] == sorted(r["updated_at"] for r in seen)


def test_deletions_older_than_kept_are_purged(data, db, runner):
    now = datetime.now(UTC)
    for days in (tombstones.KEEP_DAYS + 1, tombstones.KEEP_DAYS - 1):
        db.session.add(
            ApiTombstone(
                resource=ApiResource.FOLLOW_UP,
                resource_id=days,
                school_id=data.school.id,
                deleted_at=now - timedelta(days=days),
            )
        )
    db.session.commit()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert f"(kept {tombstones.KEEP_DAYS} days): would delete 1." in dry.output
    assert db.session.scalar(select(func.count(ApiTombstone.id))) == 2
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert f"(kept {tombstones.KEEP_DAYS} days): deleted 1." in result.output
    db.session.expire_all()
    assert db.session.scalars(select(ApiTombstone.resource_id)).all() == [tombstones.KEEP_DAYS - 1]


@pytest.mark.parametrize("path", ["/visits", "/follow-ups", "/relationship-cards"])
def test_a_page_costs_the_same_queries_for_few_deletions_or_many(data, api, db, path):
    resource = {
        "/visits": ApiResource.VISIT,
        "/follow-ups": ApiResource.FOLLOW_UP,
        "/relationship-cards": ApiResource.RELATIONSHIP_CARD,
    }[path]

    def statements() -> int:
        _db.session.commit()
        with count_queries(_db.engine) as seen:
            response = api(path, data.secret, limit=200)
            assert response.status_code == 200
        return len(seen)

    api(path, data.secret)  # the token's first use of the minute is written: not counted
    few = statements()
    now = datetime.now(UTC)
    for n in range(12):
        complete_visit(db, data.school)
        db.session.add(
            ApiTombstone(
                resource=resource,
                resource_id=5000 + n,
                school_id=data.school.id,
                deleted_at=now - timedelta(minutes=n),
            )
        )
    many = statements()
    assert many == few <= 9


# ---- the roster moves what the API lists ------------------------------------------------------

ROSTERS = Path(__file__).resolve().parents[1] / "roster" / "data"


def import_roster(db, folder: str) -> None:
    plan = roster.run(read_folder(ROSTERS / folder), school=None, dry_run=False, by=None)
    assert plan.errors == []
    db.session.commit()


def test_a_roster_import_sends_follow_ups_again_and_ends_those_a_school_no_longer_lists(db, api):
    import_roster(db, "oneroster-1.1")
    admin = make_user(Role.ADMIN)
    schools = {s.sourced_id: s for s in db.session.scalars(select(School))}
    lincoln = tokens.create_token(schools["ORG-LIN"], "Lincoln SIS", by=admin)[1]
    washington = tokens.create_token(schools["ORG-WAS"], "Washington SIS", by=admin)[1]
    students = {s.sourced_id: s for s in db.session.scalars(select(Student))}
    lopez = FollowUp(family_id=students["S1"].family_id, description="Library", due_on=date.today())
    park = FollowUp(family_id=students["S5"].family_id, description="Call", due_on=date.today())
    db.session.add_all([lopez, park])
    db.session.commit()
    first, lincoln_cursor = pull_all(api, "/follow-ups", lincoln)
    assert [len(f["students"]) for f in first] == [2]  # Ana and Luis
    _, washington_cursor = pull_all(api, "/follow-ups", washington)
    _, cards_cursor = pull_all(api, "/relationship-cards", lincoln)

    # Mia joins the Lopez family at Lincoln; Lena Park leaves Washington.
    import_roster(db, "oneroster-1.1-changed")

    changed, _ = pull_all(api, "/follow-ups", lincoln, cursor=lincoln_cursor)
    assert [(f["id"], f["deleted_at"]) for f in changed] == [(lopez.id, None)]
    assert len(changed[0]["students"]) == 3
    ended, _ = pull_all(api, "/follow-ups", washington, cursor=washington_cursor)
    assert [(f["id"], f["deleted_at"] is not None) for f in ended] == [(park.id, True)]
    assert api("/follow-ups", washington).json["data"][-1]["id"] == park.id  # only as deleted
    cards, _ = pull_all(api, "/relationship-cards", lincoln, cursor=cards_cursor)
    by_sourced_id = {c["student"]["sourced_id"]: c for c in cards}
    assert by_sourced_id["S3"]["student"]["grade"] == "4"  # Minh's new grade
    assert {"S1", "S2", "S6"} <= set(by_sourced_id)  # the Lopez cards: a new follow-up student


def test_a_student_moving_school_leaves_the_old_schools_cards(data, api, db):
    _, cursor = pull_all(api, "/relationship-cards", data.secret)
    _, other_cursor = pull_all(api, "/relationship-cards", data.other_secret)
    sibling_id, other_school = data.sibling.id, data.other_visit.school_id
    changing = tombstones.StudentsChanging([{"id": sibling_id, "school_id": other_school}])
    db.session.execute(
        update(Student).where(Student.id == sibling_id).values(school_id=other_school)
    )
    changing.written(new_families=[], at=datetime.now(UTC))
    db.session.commit()

    left, _ = pull_all(api, "/relationship-cards", data.secret, cursor=cursor)
    # (The brother's card comes again too: the family's follow-up changed, its students did.)
    assert [c["id"] for c in left if c["deleted_at"]] == [sibling_id]
    assert sibling_id not in [c["id"] for c in left if not c["deleted_at"]]
    arrived, _ = pull_all(api, "/relationship-cards", data.other_secret, cursor=other_cursor)
    assert [(c["id"], c["deleted_at"]) for c in arrived] == [(sibling_id, None)]
    # The family now has an active student at the other school: its follow-up is listed there.
    follow_ups = api("/follow-ups", data.other_secret).json["data"]
    assert [f["id"] for f in follow_ups] == [data.follow_up.id]


def test_a_new_sis_id_sends_the_students_visits_again(data, api, db):
    _, cursor = pull_all(api, "/visits", data.secret)
    changing = tombstones.StudentsChanging([{"id": data.student.id, "sis_id": "SIS-1b"}])
    data.student.sis_id = "SIS-1b"
    db.session.flush()
    changing.written(new_families=[], at=datetime.now(UTC))
    db.session.commit()
    changed, _ = pull_all(api, "/visits", data.secret, cursor=cursor)
    assert [v["id"] for v in changed] == [data.visit.id]
    assert "SIS-1b" in {s["sis_id"] for s in changed[0]["students"]}
