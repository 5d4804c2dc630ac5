"""Flask extensions, created unbound; ``create_app`` binds them. Import them from here."""

from __future__ import annotations

import functools
import sqlite3

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Named constraints, so that Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# expire_on_commit=False: a request commits (its session check, an audit event) and then goes on
# rendering; expiring every loaded object there would only reload the same rows.
db = SQLAlchemy(
    metadata=MetaData(naming_convention=NAMING_CONVENTION),
    session_options={"expire_on_commit": False},
)
# A query builder whose arguments are ids, days or filter values: a ``Select`` is immutable, so
# it is built once per arguments (per process, the oldest going first) and each request runs
# the same object, whose cache key SQLAlchemy keeps with it: it neither rebuilds nor re-keys it.
# Building and keying a page's statements was up to a sixth of a district page.
built_once = functools.lru_cache(maxsize=1024)
migrate = Migrate()


class _LoginManager(LoginManager):
    """Flask-Login, without working out the browser's "identifier" (a SHA-512 of its address and
    user agent, on every request that reads the user) while session protection is off, as it is
    here (``fieldapp.create_app`` says why): that check would never read it."""

    def _session_protection_failed(self) -> bool:
        if not current_app.config.get("SESSION_PROTECTION", self.session_protection):
            return False
        return super()._session_protection_failed()


login_manager = _LoginManager()
csrf = CSRFProtect()


class _Limiter(Limiter):
    """Flask-Limiter, whose check before every request is skipped while no limit could apply
    there: no default, application, meta or blueprint limit, no endpoint hint, no in-memory
    fallback. The app's limits are all on views (sign-in, family links, the API, calendar
    feeds), checked when the view is called, as before; the check before every request then
    only worked out that nothing applies, a tenth of a signed-in request that does nothing."""

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if in_middleware and callable_name is None and self._nothing_request_wide():
            return None
        return super()._check_request_limit(
            callable_name=callable_name, in_middleware=in_middleware
        )

    def _nothing_request_wide(self) -> bool:
        try:
            manager = self.limit_manager
            return not (
                manager._application_limits
                or manager._default_limits
                or manager._blueprint_limits
                or manager._endpoint_hints
                or self._meta_limits
                or self._in_memory_fallback
            )
        except AttributeError:  # a Flask-Limiter that keeps these elsewhere: check in full
            return False


# Per-address limits, counted in the app's database (fieldapp.ratelimit_storage) or in Redis when
# FIELDAPP_REDIS_URL is set: never per worker.
limiter = _Limiter(key_func=get_remote_address)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """WAL for concurrent readers while one writes; foreign keys enforced, as on PostgreSQL."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
