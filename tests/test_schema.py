"""The schema: migrations and models agree; the database is set up as the app expects."""

from __future__ import annotations

import os
import stat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from fieldapp import create_app
from fieldapp.config import load_secret_key
from fieldapp.privacy.search import not_in_models


def test_migrations_build_exactly_the_models(app, db):
    """The test database was built by `flask db upgrade`; any drift from the models fails."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_as_batch": True, "include_name": not_in_models},
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_mode_with_foreign_keys(db):
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_the_default_database_is_a_file_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("FIELDAPP_DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'fieldapp.db'}"


def test_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAPP_DATABASE_URL", "sqlite:////tmp/elsewhere.db")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/elsewhere.db"


def test_a_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("FIELDAPP_SECRET_KEY", raising=False)
    first = load_secret_key(str(tmp_path))
    assert len(first) >= 64 and load_secret_key(str(tmp_path)) == first
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    monkeypatch.setenv("FIELDAPP_SECRET_KEY", "from-the-environment")
    assert load_secret_key(str(tmp_path)) == "from-the-environment"


def test_health_check(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_every_migration_goes_down_and_up_again(app, db):
    """Each migration's downgrade works: all the way down to an empty database, then up to the
    head again, and the models still match exactly (on PostgreSQL in its own run too)."""
    from flask_migrate import downgrade, upgrade

    db.session.remove()
    downgrade(revision="base")
    with db.engine.connect() as connection:
        left = [t for t in db.inspect(connection).get_table_names() if t != "alembic_version"]
    assert left == []  # the search index's tables included
    upgrade()
    test_migrations_build_exactly_the_models(app, db)
