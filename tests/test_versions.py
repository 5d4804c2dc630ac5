"""Summaries kept between requests (``fieldapp.versions``): every write to the data they are
computed from moves their version when it commits, whichever way it is written; a kept value
is used only under the version it was computed with."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from fieldapp import versions
from fieldapp.models import DataVersion, Role, RoleAssignment, TrainingCompletion, User
from tests.factories import add_completion, make_round, make_school, make_user
from tests.test_query_counts import count_queries


def committed_version(db) -> int:
    """The training version as another process reads it: committed writes only."""
    with db.engine.connect() as connection:
        return connection.execute(
            select(DataVersion.version).where(DataVersion.name == versions.TRAINING)
        ).scalar_one()


def test_each_write_to_training_status_data_moves_the_version_when_it_commits(db):
    school = make_school()
    db.session.commit()
    start = committed_version(db)
    moves = []

    def step(what, write):
        before = committed_version(db)
        write()
        db.session.flush()
        assert committed_version(db) == before, f"{what}: moved before the commit"
        db.session.commit()
        moves.append((what, committed_version(db) - before))

    person = None

    def new_person():
        nonlocal person
        person = make_user(Role.VISITOR, school, trained=False)

    step("a new account with a role", new_person)
    step("a new name", lambda: setattr(person, "name", "Renamed"))
    step("disabled", lambda: setattr(person, "active", False))
    step("a completion", lambda: add_completion(person, date.today(), None))
    step(
        "a completion taken back",
        lambda: db.session.delete(db.session.scalars(select(TrainingCompletion)).one()),
    )
    step(
        "an UPDATE through the session",
        lambda: db.session.execute(update(User).where(User.id == person.id).values(active=True)),
    )
    step(
        "a bulk INSERT through the session (the roster import's way)",
        lambda: db.session.execute(
            insert(RoleAssignment.__table__),
            [{"user_id": person.id, "role": Role.COORDINATOR.value, "school_id": school.id}],
        ),
    )
    step("a school renamed", lambda: setattr(school, "name", "Elsewhere"))
    assert moves == [
        ("a new account with a role", 1),
        ("a new name", 0),  # a sign-in or a new name changes nobody's training status
        ("disabled", 1),
        ("a completion", 1),
        ("a completion taken back", 1),
        ("an UPDATE through the session", 1),
        ("a bulk INSERT through the session (the roster import's way)", 1),
        ("a school renamed", 0),
    ]
    add_completion(person, date.today(), None)
    db.session.rollback()
    # A rolled-back write moves nothing.
    assert committed_version(db) == start + sum(n for _what, n in moves)


def test_a_kept_value_is_used_until_its_version_moves(db, monkeypatch):
    school = make_school()
    db.session.commit()
    computed = []

    def value():
        return versions.kept(versions.TRAINING, "test", lambda: computed.append(1) or len(computed))

    assert value() == 1
    assert value() == 1 and len(computed) == 1  # kept
    assert versions.kept(versions.TRAINING, "other key", lambda: "other") == "other"
    make_user(Role.VISITOR, school)
    assert value() == 2, "this transaction's own write: computed again"
    assert value() == 3, "and not kept: it is not committed, a rollback would undo it"
    db.session.rollback()
    assert value() == 1, "rolled back: the value kept before still holds"
    make_user(Role.VISITOR, school)
    db.session.commit()
    assert value() == 4 and value() == 4  # committed: computed once more, then kept
    monkeypatch.setattr(versions, "MAX_AGE", 0.0)
    assert value() == 5  # the bound for writes made around the session


def recorded_elsewhere(db, user_id: int, kind: str, *, days_ago: int = 2, valid: int = 400):
    """A completion recorded by another process or server (its own session): dated two days
    back by default, whatever the school's day is in UTC's morning."""
    today = date.today()
    with Session(db.engine) as other:
        other.add(
            TrainingCompletion(
                user_id=user_id,
                kind=kind,
                completed_on=today - timedelta(days=days_ago),
                valid_until=today + timedelta(days=valid),
            )
        )
        other.commit()


def page_reading_completions(db, client, path: str) -> tuple[str, int]:
    """The page, and how many of its statements read training completions."""
    with count_queries(db.engine) as statements:
        html = client.get(path).get_data(as_text=True)
    return html, sum("FROM training_completions" in s for s in statements)


def counts(client) -> dict[str, int]:
    html = client.get("/training/roster").get_data(as_text=True)
    return {
        status: int(n)
        for status, n in re.findall(r'<li class="ts-(\w+)"><strong>(\d+)</strong>', html)
    }


def test_the_roster_s_counts_follow_a_completion_written_by_another_process(
    db, client, login, monkeypatch
):
    school = make_school()
    person = make_user(Role.VISITOR, school, trained=False)
    make_user(Role.VISITOR, school)
    login(make_user(Role.COORDINATOR, school))
    assert counts(client) == {"trained": 1, "lapsing_soon": 0, "lapsed": 0, "not_trained": 1}
    # Written around every session (SQL typed into a console): the kept counts do not know.
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO training_completions (user_id, kind, completed_on, created_at) "
                "VALUES (:user, 'foundational', :on, :now)"
            ),
            {"user": person.id, "on": date.today() - timedelta(days=1), "now": "2026-01-01"},
        )
    assert counts(client)["not_trained"] == 1  # kept: the statement was not run again
    # Another process or server takes it back through its own session: the version moves.
    with Session(db.engine) as other:
        other.delete(
            other.scalars(
                select(TrainingCompletion).where(TrainingCompletion.user_id == person.id)
            ).one()
        )
        other.commit()
    assert counts(client) == {"trained": 1, "lapsing_soon": 0, "lapsed": 0, "not_trained": 1}
    recorded_elsewhere(db, person.id, "foundational", days_ago=700, valid=5)
    assert counts(client) == {"trained": 1, "lapsing_soon": 1, "lapsed": 0, "not_trained": 0}


def test_the_round_board_reads_its_staff_s_training_again_only_after_a_change(db, client, login):
    school = make_school()
    coordinator = make_user(Role.COORDINATOR, school)
    spanish = make_user(Role.COORDINATOR, school, locale="es")
    lapsing = make_user(Role.VISITOR, school, trained=False, name="Lou Lapsing")
    add_completion(lapsing, date.today() - timedelta(days=300), date.today() + timedelta(days=3))
    round_ = make_round(school)  # ends after Lou's training does
    login(coordinator)

    def board() -> tuple[str, int]:
        return page_reading_completions(db, client, f"/rounds/{round_.id}")

    html, read = board()
    assert read == 1 and "Training lapses on" in html
    html, read = board()
    assert read == 0 and "Training lapses on" in html  # kept
    login(spanish)
    html, read = board()
    assert read == 1 and "La formación vence el" in html  # kept per language
    recorded_elsewhere(db, lapsing.id, "refresher")  # by a trainer, on another server
    html, read = board()
    assert read == 1 and "La formación vence" not in html


def test_the_training_report_counts_as_the_roster_does_and_reads_them_once(db, client, login):
    school = make_school()
    untrained = make_user(Role.VISITOR, school, trained=False)
    make_user(Role.VISITOR, school)
    login(make_user(Role.TRAINER))

    def report() -> tuple[str, int]:
        return page_reading_completions(db, client, "/reports/training")

    html, read = report()
    assert read == 1 and "1 of 2 staff can visit" in html
    html, read = report()
    assert read == 0 and "1 of 2 staff can visit" in html
    recorded_elsewhere(db, untrained.id, "foundational")
    html, read = report()
    assert read == 1 and "2 of 2 staff can visit" in html


def test_without_its_counter_row_nothing_is_kept(db):
    db.session.execute(DataVersion.__table__.delete())
    computed = []
    for _ in range(2):
        versions.kept(versions.TRAINING, "test", lambda: computed.append(1))
    assert len(computed) == 2
