"""The admin's family search at district scale: through an index (FTS5 trigram tables on
SQLite, pg_trgm on PostgreSQL) kept in step with every change, the match a person expects,
and a page of families at a time. Runs on both databases (``make test``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from fieldapp.models import Guardian
from fieldapp.privacy import erasure, queries
from fieldapp.privacy.search import FAMILY_FTS, GUARDIAN_FTS
from tests.conftest import ON_POSTGRES
from tests.factories import make_family

URL = "/admin/privacy/families"
FOUND = re.compile(r'href="/admin/privacy/families/(\d+)"')


def found(client, term: str, **args) -> list[int]:
    response = client.get(URL, query_string={"q": term, **args})
    assert response.status_code == 200
    return [int(i) for i in FOUND.findall(response.get_data(as_text=True))]


@pytest.fixture
def families(db):
    made = {
        "nguyen": make_family(name="Nguyen"),
        "garcia": make_family(name="Martínez García"),
        "percent": make_family(name="Fifty% Off"),
        "quote": make_family(name='O"Brien'),
    }
    made["nguyen"].guardians.append(
        Guardian(name="Thi Lan Tran", email="lan.tran@mail.example", position=1)
    )
    db.session.commit()
    return made


@pytest.mark.parametrize(
    ("term", "who"),
    [
        ("nguyen", "nguyen"),  # any case
        ("GUYE", "nguyen"),  # part of the name
        ("lan tr", "nguyen"),  # a guardian's name, across its words
        ("TRAN@MAIL", "nguyen"),  # a guardian's email
        ("García", "garcia"),  # accents as typed
        ("nez ga", "garcia"),
        ("ng", "nguyen"),  # two letters: fewer than a trigram
        ("y%", "percent"),  # % and _ are letters, not wildcards
        ('o"b', "quote"),  # a quote is a letter too
    ],
)
def test_a_family_is_found_by_part_of_a_name_in_any_case(client, admin, families, term, who):
    assert found(client, term) == [families[who].id]


def test_nothing_else_matches(client, admin, families):
    assert found(client, "Nguyen Tran") == []  # not across the family's and a guardian's name
    assert found(client, "%%") == []
    assert found(client, "zzyzx") == []


def test_the_index_follows_every_change_and_erasure(db, client, admin, families):
    nguyen = families["nguyen"]
    nguyen.name = "Pham"
    nguyen.guardians[1].email = "lan@school.example"
    added = make_family(name="Okonkwo")
    db.session.commit()
    assert found(client, "nguyen") == []
    assert found(client, "pham") == [nguyen.id]
    assert found(client, "tran@mail") == [] and found(client, "lan@school") == [nguyen.id]
    assert found(client, "okonk") == [added.id]
    db.session.delete(nguyen.guardians[1])
    db.session.commit()
    assert found(client, "lan@school") == []
    erasure.erase_family(added, reason="Request", by=admin, now=datetime.now(UTC))
    db.session.commit()
    assert found(client, "okonk") == []
    if not ON_POSTGRES:  # the FTS tables hold exactly the rows there are
        for fts, source in ((FAMILY_FTS, "families"), (GUARDIAN_FTS, "guardians")):
            held = db.session.execute(text(f"SELECT rowid FROM {fts} ORDER BY rowid")).all()
            rows = db.session.execute(text(f"SELECT id FROM {source} ORDER BY id")).all()
            assert held == rows, fts


def test_the_results_come_a_page_at_a_time_and_keep_the_search(db, client, admin):
    per = queries.FAMILY_SEARCH_PER_PAGE
    made = [make_family(name=f"Nguyen {i:02d}") for i in range(per + 5)]
    make_family(name="Other")
    db.session.commit()
    assert found(client, "nguyen") == [f.id for f in made[:per]]
    html = client.get(URL, query_string={"q": "nguyen"}).get_data(as_text=True)
    assert f"{per + 5} families" in html and "page 1 of 2" in html
    assert 'href="/admin/privacy/families?page=2&amp;q=nguyen"' in html
    assert found(client, "nguyen", page=2) == [f.id for f in made[per:]]
    assert found(client, "nguyen", page=9) == [f.id for f in made[per:]]  # the last page


def test_the_search_reads_the_index_not_every_family(db, app, families):
    """The query plan: SQLite searches the FTS5 tables by trigram; PostgreSQL the GIN indexes
    (table scans turned off, so that a tiny test table does not hide a missing index)."""
    query = queries.find_families("nguyen").with_only_columns(text("families.id"))
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        if ON_POSTGRES:
            conn.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(conn.execute(text(f"EXPLAIN {sql}")).scalars())
            assert "ix_families_name_trgm" in plan and "ix_guardians_name_trgm" in plan, plan
        else:
            plan = "\n".join(r[-1] for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert f"SCAN {FAMILY_FTS} VIRTUAL TABLE INDEX 0:M" in plan, plan
            assert f"SCAN {GUARDIAN_FTS} VIRTUAL TABLE INDEX 0:M" in plan, plan
            assert "SCAN families" not in plan and "SCAN guardians" not in plan, plan


def test_only_admins_search(client, login, families):
    from fieldapp.models import Role
    from tests.factories import make_user

    login(make_user(Role.COORDINATOR))
    assert client.get(URL, query_string={"q": "nguyen"}).status_code == 403


def test_the_migration_indexes_the_families_there_are_and_its_downgrade_drops_the_index(
    app, db, client, admin, families
):
    from flask_migrate import downgrade, upgrade

    db.session.remove()
    downgrade(revision="0014_language_unknown")
    with db.engine.connect() as conn:
        if ON_POSTGRES:
            names = "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm'"
        else:
            names = "SELECT name FROM sqlite_master WHERE name LIKE '%search%'"
        assert conn.execute(text(names)).all() == []
    upgrade()
    assert found(client, "guye") == [families["nguyen"].id]  # made before the index
    assert found(client, "tran@mail") == [families["nguyen"].id]
