"""Shared fixtures: an app on a fresh copy of a migrated database for every test, a client,
a CLI runner, ``login``, and the factories in ``tests.factories``."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from flask.testing import FlaskClient

from fieldapp import create_app
from fieldapp.extensions import db as _db

TEST_PASSWORD = "a long test password 2026"
# Cheap argon2id for speed; production uses OWASP's parameters (fieldapp.config.ARGON2_OWASP).
FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def base_config(db_path, instance_path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-only-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
        "INSTANCE_PATH": str(instance_path),
        "PASSWORD_HASH_PARAMS": FAST_HASH,
        "WTF_CSRF_ENABLED": False,
    }


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory):
    """A database built by the migrations (not create_all), once per test session."""
    from flask_migrate import upgrade

    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    app = create_app(base_config(path, folder / "instance"))
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def app_config(tmp_path, migrated_db):
    path = tmp_path / "test.db"
    shutil.copy(migrated_db, path)
    return base_config(path, tmp_path / "instance")


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as on a real server: its own ``g`` (where
    Flask-Login caches the user) and its own database session. Without this, requests made
    while a test holds an app context would share both and hide real bugs."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user, password: str = TEST_PASSWORD, **extra):
        _db.session.commit()  # what the test made must be visible to the request's session
        self.client.post("/logout")  # whoever was signed in before
        response = self.client.post(
            "/login", data={"email": user.email, "password": password, **extra}
        )
        assert response.status_code in (302, 303), response.status_code
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login(auth):
    """``login(user)`` signs the test client in as that user."""
    return auth.login
