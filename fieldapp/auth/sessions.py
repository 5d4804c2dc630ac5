"""Sessions kept on the server: a signed-in browser holds a random token, the database holds its
hash. Ending the row ends the session everywhere at once — a copied cookie is worthless after
sign-out, a password change or a disabled account."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import g, session
from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import joinedload

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

# Built once: every request runs it, and building a statement costs more than SQLite takes to
# answer it. No token hashes to "" and matches no session (hashes are 64 hex digits).
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


def load_user(session_id: str) -> User | None:
    """Flask-Login's user loader. One statement for the user, their roles (with schools) and
    the server-side session row of this browser, which ``current_row`` then hands to the
    session check: each request pays for one query, not three."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit() or len(user_id) > 18:
        return None
    token = session.get("sid")
    params = {"user_id": int(user_id), "token_hash": _hash(token) if token else ""}
    found = db.session.execute(_USER_AND_SESSION, params).unique().first()
    if found is None:
        return None
    user, row = found
    if user.session_version != int(version):
        return None  # signed out everywhere since this session began
    g._session_row = row
    return user


def current_row() -> UserSession | None:
    """The session row of this request: the one the user loader fetched, else looked up."""
    row = g.get("_session_row", _UNSET)
    if row is _UNSET:
        return find(session.get("sid"))
    return row


def end(token: str | None, *, now: datetime) -> None:
    row = find(token)
    if row is not None and row.ended_at is None:
        row.ended_at = now


def end_all(user: User, *, now: datetime, keep: str | None = None) -> None:
    """End every session of a user (but the one whose token is ``keep``)."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep:
        query = query.where(UserSession.token_hash != _hash(keep))
    db.session.execute(query.values(ended_at=now))


def idle_limit(user: User, config) -> timedelta:
    """Visitors in the field get a longer idle time than staff at a desk."""
    field_only = user.role_set <= {Role.VISITOR}
    minutes = config["SESSION_IDLE_MINUTES_VISITOR" if field_only else "SESSION_IDLE_MINUTES"]
    return timedelta(minutes=minutes)


def why_ended(row: UserSession | None, user: User, *, now: datetime, config) -> str | None:
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


def touch(row: UserSession, *, now: datetime) -> bool:
    """Note activity, at most once a minute (no write on every request); True when noted."""
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
        return True
    return False
