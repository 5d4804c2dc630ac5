"""``flask backup`` and ``flask restore``: a consistent copy while the app writes, checked before
it is put back."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, insert, select

from fieldapp import create_app
from fieldapp.models import AuditEvent, Family
from fieldapp.privacy import backups
from fieldapp.privacy.cli import migrations_head
from tests.conftest import base_config
from tests.factories import make_family, make_visit
from tests.privacy.conftest import _complete

# SQLite's online backup API: PostgreSQL is backed up with pg_dump (see the README).
pytestmark = pytest.mark.sqlite_only

WRITTEN = "audit_events"


def _rows(path, table: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        try:
            return conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
        except sqlite3.OperationalError:  # a WITHOUT ROWID table (the search index's config)
            return conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()


def _tables(path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]


def _live_path(app):
    return backups.sqlite_path(app.config["SQLALCHEMY_DATABASE_URI"])


@pytest.fixture
def data(db):
    """Some of everything, so that there is something to compare."""
    for _ in range(3):
        _complete(db, make_visit(), hopes="A doctor", note="Private")
    db.session.commit()


def test_a_backup_under_write_load_is_the_database_as_of_one_moment(
    app, db, runner, data, tmp_path
):
    source = _live_path(app)
    writer_engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    started, stop = threading.Event(), threading.Event()
    written = []

    def write():
        """The app at work: one committed audit event after another, until told to stop.

        No fixed duration: on a loaded machine the backup can outlast any second we pick, and
        the writer must still be writing when it ends (the cap only guards a hung test)."""
        deadline = time.monotonic() + 60.0
        with writer_engine.connect() as conn:
            while time.monotonic() < deadline and not stop.is_set():
                with conn.begin():
                    conn.execute(
                        insert(AuditEvent).values(
                            action="load.write", at=datetime.now(UTC), success=True, detail={}
                        )
                    )
                written.append(1)
                if len(written) == 20:
                    started.set()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        assert started.wait(5), "the writer did not get going"
        before_backup = len(_rows(source, WRITTEN))
        result = runner.invoke(args=["backup", str(tmp_path / "fieldapp.backup")])
        after_backup = len(_rows(source, WRITTEN))
        # The writer goes on after the backup: a few more events, then it stops.
        went_on = time.monotonic() + 10
        while len(written) < after_backup + 5 and time.monotonic() < went_on:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(5)
        writer_engine.dispose()
    assert result.exit_code == 0, result.output
    assert "Backed up to" in result.output
    backup = tmp_path / "fieldapp.backup"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600  # it holds children's records
    assert not list(tmp_path.glob(".*partial"))

    restored = tmp_path / "restored.db"
    backups.restore_database(backup, f"sqlite:///{restored}", expected_revision=migrations_head())

    assert _tables(restored) == _tables(source)
    for table in _tables(source):
        if table != WRITTEN:
            assert _rows(restored, table) == _rows(source, table), table
    source_events = _rows(source, WRITTEN)
    restored_events = _rows(restored, WRITTEN)
    # The written table as of one moment during the load: a prefix of what was written.
    assert restored_events == source_events[: len(restored_events)]
    assert before_backup <= len(restored_events) <= after_backup
    # The writer was never held up for long: it went on writing after the backup.
    assert len(source_events) > len(restored_events)
    with sqlite3.connect(restored) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_backup_refuses_to_overwrite_unless_forced(runner, data, tmp_path):
    target = tmp_path / "exists.db"
    target.write_text("keep me")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0
    assert "already exists" in result.output and "--force" in result.output
    assert target.read_text() == "keep me"
    forced = runner.invoke(args=["backup", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert _tables(target)


def test_backup_of_postgresql_points_to_pg_dump(tmp_path):
    config = base_config(tmp_path / "unused.db", tmp_path / "instance")
    config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://fieldapp@127.0.0.1:1/fieldapp"
    app = create_app(config)
    for args in (["backup", str(tmp_path / "x.db")], ["restore", str(tmp_path / "x.db"), "--yes"]):
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code != 0
        assert "pg_dump" in result.output
    assert not (tmp_path / "x.db").exists()


@pytest.fixture
def backup(runner, data, tmp_path):
    path = tmp_path / "good.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    return path


def test_restore_puts_the_backup_back(app, db, runner, backup):
    family_id = make_family(name="Made after the backup").id
    db.session.commit()
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    assert "is a sound backup" in result.output and "Restored" in result.output
    assert db.session.get(Family, family_id) is None
    assert db.session.scalar(select(Family).where(Family.name == "Made after the backup")) is None


def test_restore_asks_first(db, runner, backup):
    family_id = make_family(name="Made after the backup").id
    db.session.commit()
    result = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code != 0
    assert "Replace everything in" in result.output
    assert db.session.get(Family, family_id) is not None


def test_restore_refuses_a_file_that_is_not_a_database(db, runner, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not a database " * 100)
    result = runner.invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code != 0
    assert "not a readable SQLite database" in result.output


def test_restore_refuses_a_database_without_the_current_schema(db, runner, backup, tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (id INTEGER)")
    result = runner.invoke(args=["restore", str(other), "--yes"])
    assert result.exit_code != 0 and "not a fieldapp database" in result.output

    with sqlite3.connect(backup) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'old1'")
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code != 0
    assert f"schema revision old1, this version of fieldapp expects {migrations_head()}" in (
        result.output
    )


def test_restore_refuses_a_damaged_file(db, runner, backup):
    raw = bytearray(backup.read_bytes())
    page = 4096
    raw[page * 2 : page * 3] = b"\x07" * page  # scribble over a page of data
    backup.write_bytes(bytes(raw))
    before = db.session.scalar(select(Family.id).limit(1))
    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code != 0
    assert "integrity" in result.output or "not a readable SQLite database" in result.output
    assert db.session.scalar(select(Family.id).limit(1)) == before


def test_the_head_comes_from_the_migrations(app):
    head = migrations_head()
    with sqlite3.connect(_live_path(app)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
