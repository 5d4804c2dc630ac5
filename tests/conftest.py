"""Shared fixtures: an app on a fresh copy of a migrated database for every test, a client,
a CLI runner, ``login``, and the factories in ``tests.factories``."""

from __future__ import annotations

import copy
import itertools
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from jinja2 import BytecodeCache
from sqlalchemy.engine import make_url

from fieldapp import create_app
from fieldapp.extensions import db as _db
from fieldapp.i18n import compile_catalogues

# Background tasks run at once, in the process that queues them (tests/test_tasks.py runs a real
# consumer too). Set before anything imports fieldapp.tasks.
os.environ["FIELDAPP_TASKS_IMMEDIATE"] = "1"

compile_catalogues()  # the Spanish catalogue as it is in the working tree, never a stale .mo

# Each test's database file lives under its tmp_path: in memory (/dev/shm) where the machine has
# it, so that the app's commits do not wait on the disk's fsync. pyproject's
# tmp_path_retention_policy removes a passed test's folder as it ends.
if "TMPDIR" not in os.environ and os.access("/dev/shm", os.W_OK):
    tempfile.tempdir = "/dev/shm"


def _cache_url_builders() -> None:
    """Every test builds its own app, and Werkzeug compiles two URL-builder functions for each
    of the app's ~110 routes (Python source generated and compiled): about 100 ms a test, most
    of what ``create_app`` costs. The functions depend only on the rule's parts, its defaults
    and its converters, and take the rule as their first argument, so the same function serves
    the same rule of every app: compile each once per test process."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    cache: dict = {}

    def cached(self, append_unknown=True):
        key = (
            self.rule,
            tuple(self._trace),
            tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items())),
            tuple(sorted((k, type(c).__qualname__) for k, c in self._converters.items())),
            append_unknown,
        )
        if key not in cache:
            cache[key] = compile_builder(self, append_unknown)
        return cache[key]

    Rule._compile_builder = cached


def _cache_rule_parsing() -> None:
    """What is left of ``create_app``'s cost after the builders: each rule's parse into the
    router's parts (regular expressions, weights). It depends on the rule's text and the map's
    settings and converter classes: parse each once per test process and give every app's rule
    the same parts, with the converters copied onto its own map."""
    from werkzeug.routing.rules import Rule

    compile_rule = Rule.compile
    cache: dict = {}

    def cached(self):
        m = self.map
        key = (
            self.rule,
            self.host,
            self.subdomain,
            m.host_matching,
            self.merge_slashes,
            tuple(sorted(m.converters.items())),
        )
        found = cache.get(key)
        if found is None:
            compile_rule(self)
            cache[key] = (self._parts, self._trace, self._converters)
            return
        parts, trace, converters = found
        self._parts, self._trace = list(parts), list(trace)
        self._converters = {}
        for name, converter in converters.items():
            self._converters[name] = copy.copy(converter)
            self._converters[name].map = m
        self.arguments |= {name for dynamic, name in trace if dynamic}
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)

    Rule.compile = cached


_cache_url_builders()
_cache_rule_parsing()


class _MemoryBytecodeCache(BytecodeCache):
    """Every test builds its own app, and with it its own Jinja environment, which compiled
    each template it rendered again: parsing and generating Python for ~100 templates, most of
    what a request cost in the suite. Jinja's bytecode cache keys the compiled template by its
    name and the checksum of its source, so an edited template is compiled afresh: one cache
    for every app of the test process, in memory."""

    def __init__(self):
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.codes[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _MemoryBytecodeCache()}

TEST_PASSWORD = "a long test password 2026"
# Cheap argon2id for speed; production uses OWASP's parameters (fieldapp.config.ARGON2_OWASP).
FAST_HASH = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


# Set by scripts/with-postgres.sh: the whole suite then runs on a real PostgreSQL server.
POSTGRES_URL = os.environ.get("FIELDAPP_TEST_DATABASE_URL")
ON_POSTGRES = bool(POSTGRES_URL)
# Set by scripts/with-postgres.sh too: a throwaway Redis server (Debian's redis-server).
REDIS_URL = os.environ.get("FIELDAPP_TEST_REDIS_URL")


def redis_database(number: int) -> str:
    """The test Redis server's database ``number``: tests that flush or wait on Redis each take
    their own, so that a test on another xdist worker never flushes what they wait for."""
    assert REDIS_URL, "no test Redis server"
    return REDIS_URL.rsplit("/", 1)[0] + f"/{number}"


def base_config(database, instance_path) -> dict:
    """``database``: a SQLite file path or a database URL."""
    url = str(database) if "://" in str(database) else f"sqlite:///{database}"
    return {
        "TESTING": True,
        "SECRET_KEY": "test-only-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance_path),
        "PASSWORD_HASH_PARAMS": FAST_HASH,
        "WTF_CSRF_ENABLED": False,
    }


# The per-test databases (``for_test``) keep one URL per template and test process, and their
# engine is kept from one test to the next: SQLAlchemy caches each statement's compiled SQL per
# engine (per dialect), so a new engine a test compiled every statement again, a fifth of what
# a request cost in the suite. The database under it is new for each test; the engine's pool is
# emptied first, so no connection to the previous test's database is ever handed out.
_KEPT_ENGINES: dict[str, object] = {}
_KEPT_URLS: set[str] = set()


def _keep_engines() -> None:
    make = SQLAlchemy._make_engine

    def kept(self, bind_key, options, app):
        url = make_url(options["url"]).render_as_string(hide_password=False)
        if url not in _KEPT_URLS:
            return make(self, bind_key, options, app)
        key = repr(sorted(options.items(), key=lambda item: item[0]))
        if key not in _KEPT_ENGINES:
            _KEPT_ENGINES[key] = make(self, bind_key, options, app)
        return _KEPT_ENGINES[key]

    SQLAlchemy._make_engine = kept


_keep_engines()


def _empty_pools(url: str) -> None:
    for engine in _KEPT_ENGINES.values():
        if engine.url.render_as_string(hide_password=False) == url:
            engine.dispose()


class SqliteTemplate:
    """A migrated SQLite file; each test gets a copy (a few milliseconds)."""

    def __init__(self, path):
        self.path = path

    def fresh(self, folder) -> str:
        copy = folder / "test.db"
        shutil.copy(self.path, copy)
        return f"sqlite:///{copy}"

    def for_test(self) -> str:
        """A copy at the same path for every test of this process, its engine kept."""
        copy = self.path.with_name(f"{self.path.stem}-test.db")
        url = f"sqlite:///{copy}"
        _KEPT_URLS.add(url)
        _empty_pools(url)
        for suffix in ("", "-wal", "-shm", "-journal"):  # a stale WAL would join the new file
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        shutil.copy(self.path, copy)
        return url

    def drop(self, url: str) -> None:
        pass


class PostgresTemplate:
    """A migrated PostgreSQL database; each test gets ``CREATE DATABASE … TEMPLATE`` of it."""

    def __init__(self, name: str):
        self.name = name
        self.count = itertools.count()

    @staticmethod
    def admin(statement: str) -> None:
        import psycopg

        url = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(statement)

    @staticmethod
    def url(name: str) -> str:
        return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"

    @classmethod
    def copy(cls, template: str, name: str) -> str:
        """A new database ``name`` as a copy of ``template``, its URL. ``FILE_COPY`` copies the
        template's few files at once; the default ``WAL_LOG`` writes every block through the WAL,
        several times slower for a template this small."""
        cls.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cls.admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return cls.url(name)

    def fresh(self, folder) -> str:
        return self.copy(self.name, f"{self.name}_t{next(self.count)}")

    def for_test(self) -> str:
        """A copy under the same name for every test of this process, its engine kept."""
        url = self.url(f"{self.name}_test")
        _KEPT_URLS.add(url)
        _empty_pools(url)
        return self.copy(self.name, f"{self.name}_test")

    def drop(self, url: str) -> None:
        if url in _KEPT_URLS:  # the next test's ``for_test`` replaces it (the last one goes
            return  # with the throwaway server): one DROP DATABASE a test, not two
        self.admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory, worker_id):
    """A database built by the migrations (not create_all), once per test session."""
    from flask_migrate import upgrade

    folder = tmp_path_factory.mktemp("template")
    if ON_POSTGRES:
        name = f"template_{worker_id}"
        PostgresTemplate.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        PostgresTemplate.admin(f'CREATE DATABASE "{name}"')
        database = PostgresTemplate.url(name)
    else:
        database = folder / "template.db"
    app = create_app(base_config(database, folder / "instance"))
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    if ON_POSTGRES:
        return PostgresTemplate(name)
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return SqliteTemplate(database)


def derived_template(migrated_db, folder, name: str, build):
    """A template holding the migrated schema plus what ``build()`` adds (run in an app
    context, committed), made once per test process; each test then gets a copy of it, as with
    ``migrated_db``. For a module whose every test starts from the same data: the data is made
    once, not once a test. Returns the template and what ``build()`` returned."""
    if isinstance(migrated_db, PostgresTemplate):
        target = f"{migrated_db.name}_{name}"
        database = PostgresTemplate.copy(migrated_db.name, target)
        template = PostgresTemplate(target)
    else:
        database = folder / f"{name}.db"
        shutil.copy(migrated_db.path, database)
        template = SqliteTemplate(database)
    app = create_app(base_config(database, folder / "instance"))
    with app.app_context():
        result = build()
        _db.session.commit()
        _db.session.remove()
        _db.engine.dispose()
    if isinstance(template, SqliteTemplate):
        with sqlite3.connect(database) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return template, result


@pytest.fixture
def app_config(tmp_path, migrated_db):
    url = migrated_db.for_test()
    yield base_config(url, tmp_path / "instance")
    migrated_db.drop(url)


def pytest_collection_modifyitems(config, items):
    """Each run skips what only the other run can do (``make test`` runs both)."""
    marker, reason = (
        ("sqlite_only", "SQLite only (its own test run covers it)")
        if ON_POSTGRES
        else ("postgres_only", "needs PostgreSQL and Redis (the second run covers it)")
    )
    for item in items:
        if item.get_closest_marker(marker):
            item.add_marker(pytest.mark.skip(reason=reason))


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


# How many pages axe-core checked (tests/browser/test_accessibility.py records ``axe_pages``),
# printed at the end of the run; with pytest-xdist the reports reach this process too.
_AXE_PAGES: list[int] = []


def pytest_runtest_logreport(report):
    if report.when == "call":
        _AXE_PAGES.extend(v for k, v in report.user_properties if k == "axe_pages")


def pytest_terminal_summary(terminalreporter):
    if sum(_AXE_PAGES):  # none on the PostgreSQL run: see ANALYSE in test_accessibility.py
        terminalreporter.write_line(
            f"axe-core checked {sum(_AXE_PAGES)} pages (main pages of every role, in English "
            "and Spanish, at 390 and 1280 px wide)"
        )
