"""Sessions kept on the server: a signed-in browser holds a random token, the database holds its
hash. Ending the row ends the session everywhere — a copied cookie is worthless after sign-out,
a password change or a disabled account: at once in the process that ended it, within
``FRESH_SECONDS`` (one second) in every other process and server, which keep what they read of
a session for that long (see the cache below)."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_app_context, session
from sqlalchemy import and_, bindparam, event, select, update
from sqlalchemy.orm import Session, joinedload

from fieldapp import clock
from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.models import Role, RoleAssignment, User, UserSession


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, *, now: datetime, ip: str | None, user_agent: str | None) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            token_hash=_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            ip=ip,
            user_agent=(user_agent or "")[:200],
        )
    )
    db.session.flush()
    return token


def find(token: str | None) -> UserSession | None:
    if not token:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))


_UNSET = object()

# Built once: every request that misses the cache runs it, and building a statement costs more
# than SQLite takes to answer it. No token hashes to "" and matches no session (hashes are 64
# hex digits).
_USER_AND_SESSION = (
    select(User, UserSession)
    .outerjoin(
        UserSession,
        and_(
            UserSession.user_id == User.id,
            UserSession.token_hash == bindparam("token_hash"),
        ),
    )
    .where(User.id == bindparam("user_id"))
    .options(joinedload(User.roles).joinedload(RoleAssignment.school))
)

# ---- a cache of the user and their session row, per app and process, FRESH_SECONDS at most ---
#
# Every request of a signed-in person needs their account (roles, schools) and this browser's
# session row. Read from the database each time, that is one round trip and an ORM load per
# request, most of a page that does little. Kept here, per process, for at most a second: a
# session ended (sign-out, password change, disabled account) on another process or server is
# refused there within FRESH_SECONDS; in this process at once (``forget``). The cached objects
# are never attached to a database session: each request gets its own copy (``merge``).

FRESH_SECONDS = 1.0
MAX_ENTRIES = 10_000  # sessions in use in one process; older entries go first beyond this


@dataclass
class SessionState:
    """What the session check needs of a ``UserSession`` row, as read at ``fetched``."""

    id: int
    user_id: int
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None


@dataclass
class _Entry:
    user: User  # detached: merged into each request's session, never changed
    state: SessionState | None
    fetched_at: datetime  # the app's clock (tests move it)
    fetched_monotonic: float

    def fresh(self, now: datetime) -> bool:
        age = now - self.fetched_at
        return (
            timedelta(0) <= age < timedelta(seconds=FRESH_SECONDS)
            and time.monotonic() - self.fetched_monotonic < FRESH_SECONDS
        )


class _Cache:
    def __init__(self) -> None:
        self.entries: dict[tuple[int, str], _Entry] = {}  # (user id, token hash)
        self.generation = 0  # bumped by each clearing: a fetch begun before it is not kept

    def clear(self) -> None:
        self.generation += 1
        self.entries.clear()


def _cache() -> _Cache:
    """This app's cache (one per app: tests run several apps, on several databases, at once)."""
    cache = current_app.extensions.get("fieldapp.session_cache")
    if cache is None:
        cache = current_app.extensions["fieldapp.session_cache"] = _Cache()
    return cache


def forget() -> None:
    """This process changes sessions or accounts: read them again from the database, now and
    once more when the change is committed (a request that read them in between would keep
    the old state)."""
    _cache().clear()
    g.pop("_session_entry", None)
    db.session.info["accounts_changed"] = True


_WATCHED = (User, RoleAssignment, UserSession)


@event.listens_for(Session, "before_flush")
def _note_account_changes(db_session, _context, _instances) -> None:
    """A flush that writes an account, a role or a session row (an admin's change, a sign-in)."""
    for obj in (*db_session.new, *db_session.dirty, *db_session.deleted):
        if isinstance(obj, _WATCHED):
            db_session.info["accounts_changed"] = True
            return


@event.listens_for(Session, "after_commit")
def _forget_committed_changes(db_session) -> None:
    if db_session.info.pop("accounts_changed", False) and has_app_context():
        _cache().clear()


def _fetch(user_id: int, token_hash: str, now: datetime) -> _Entry | None:
    cache = _cache()
    generation = cache.generation
    # A session of its own, closed at once: its objects stay loaded (closing expires nothing)
    # and belong to no session, so no request can change or expire the cached copy.
    with Session(db.session.get_bind(), expire_on_commit=False) as own:
        found = (
            own.execute(_USER_AND_SESSION, {"user_id": user_id, "token_hash": token_hash})
            .unique()
            .first()
        )
    if found is None:
        return None
    user, row = found  # detached now, with the columns and roles (and schools) loaded
    state = (
        SessionState(row.id, row.user_id, row.created_at, row.last_seen_at, row.ended_at)
        if row is not None
        else None
    )
    entry = _Entry(user, state, now, time.monotonic())
    entries = cache.entries
    if token_hash and generation == cache.generation:
        if len(entries) >= MAX_ENTRIES:
            for key in list(entries)[: MAX_ENTRIES // 2]:  # the oldest half (insertion order)
                entries.pop(key, None)
        entries[(user_id, token_hash)] = entry
    return entry


def _entry(session_id: str) -> _Entry | None:
    """The cached account and session row of Flask-Login's session id ("user id:version"), read
    again when older than FRESH_SECONDS; None when the account is gone or was signed out
    everywhere since. Looked up once per request: the session check and the user loader share
    it."""
    found = g.get("_session_entry", _UNSET)
    if found is not _UNSET and found[0] == session_id:
        return found[1]
    entry = _look_up(session_id)
    g._session_entry = (session_id, entry)
    if entry is not None:
        g._session_row = entry.state
    return entry


def _look_up(session_id: str) -> _Entry | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit() or len(user_id) > 18:
        return None
    token = session.get("sid")
    token_hash = _hash(token) if token else ""
    now = clock.now()
    entry = _cache().entries.get((int(user_id), token_hash))
    if entry is None or not entry.fresh(now):
        entry = _fetch(int(user_id), token_hash, now)
        if entry is None:
            return None
    if entry.user.session_version != int(version):
        return None  # signed out everywhere since this session began
    return entry


def signed_in_account() -> User | None:
    """The account this request's cookie is signed in as, for the session check: the cached
    object itself, shared by every request of the process and belonging to no database
    session. Read it; never change it or hand it to a page (``current_user`` is the page's own
    copy). No copy is made here: a request that never uses ``current_user`` (a health check,
    a file) pays for the check alone."""
    session_id = session.get("_user_id")  # where Flask-Login keeps it
    if not isinstance(session_id, str):
        return None
    entry = _entry(session_id)
    return None if entry is None else entry.user


def signed_in_id() -> int | None:
    """The id of the account this request is signed in as, None for nobody: the page's copy
    when one was made (it follows a sign-in or sign-out in this request), else the cached one."""
    loaded = g.get("_login_user")  # where Flask-Login keeps the request's current_user
    if loaded is not None:
        return loaded.id if loaded.is_authenticated else None
    account = signed_in_account()
    return None if account is None else account.id


def load_user(session_id: str) -> User | None:
    """Flask-Login's user loader, run at the first use of ``current_user``: the user, their
    roles (with schools) and this browser's session row, which ``current_row`` then hands to
    the session check. From the cache when read less than FRESH_SECONDS ago, else one
    statement; the request gets its own copy of the cached user (``merge``, no query)."""
    entry = _entry(session_id)
    return None if entry is None else db.session.merge(entry.user, load=False)


def current_row() -> SessionState | None:
    """The session row of this request: the one the user loader found, else looked up."""
    row = g.get("_session_row", _UNSET)
    if row is _UNSET:
        found = find(session.get("sid"))
        if found is None:
            return None
        return SessionState(
            found.id, found.user_id, found.created_at, found.last_seen_at, found.ended_at
        )
    return row


def end_row(row: SessionState, *, now: datetime) -> None:
    """End this session (a check found it over): in the request's transaction."""
    if row.ended_at is None:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == row.id, UserSession.ended_at.is_(None))
            .values(ended_at=now)
        )
    forget()


def end(token: str | None, *, now: datetime) -> None:
    row = find(token)
    if row is not None and row.ended_at is None:
        row.ended_at = now
    forget()


def end_all(user: User, *, now: datetime, keep: str | None = None) -> None:
    """End every session of a user (but the one whose token is ``keep``)."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep:
        query = query.where(UserSession.token_hash != _hash(keep))
    db.session.execute(query.values(ended_at=now))
    forget()


def idle_limit(user: User, config) -> timedelta:
    """Visitors in the field get a longer idle time than staff at a desk."""
    field_only = user.role_set <= {Role.VISITOR}
    minutes = config["SESSION_IDLE_MINUTES_VISITOR" if field_only else "SESSION_IDLE_MINUTES"]
    return timedelta(minutes=minutes)


def why_ended(row: SessionState | None, user: User, *, now: datetime, config) -> str | None:
    """Why this session can no longer be used, or None while it is good."""
    if row is None or row.user_id != user.id or row.ended_at is not None:
        return _("You were signed out. Please sign in again.")
    if not user.active:
        return _("This account is disabled.")
    if now - row.created_at > timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]):
        return _("You were signed in for a long time: please sign in again.")
    if now - row.last_seen_at > idle_limit(user, config):
        return _("You were away for a while and are signed out. Please sign in again.")
    return None


def touch(row: SessionState, *, now: datetime) -> bool:
    """Note activity, at most once a minute (no write on every request); True when noted (the
    caller commits)."""
    if now - row.last_seen_at > timedelta(minutes=1):
        db.session.execute(
            update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
        )
        row.last_seen_at = now  # the cached state too: no second write within the minute
        return True
    return False
