"""Sessions kept on the server: a signed-in browser holds a random token, the database holds its
hash. Ending the row ends the session everywhere at once — a copied cookie is worthless after
sign-out, a password change or a disabled account."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from fieldapp.extensions import db
from fieldapp.models import Role, User, UserSession


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
        return "You were signed out. Please sign in again."
    if not user.active:
        return "This account is disabled."
    if now - row.created_at > timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]):
        return "You were signed in for a long time: please sign in again."
    if now - row.last_seen_at > idle_limit(user, config):
        return "You were away for a while and are signed out. Please sign in again."
    return None


def touch(row: UserSession, *, now: datetime) -> None:
    """Note activity, at most once a minute (no write on every request)."""
    if now - row.last_seen_at > timedelta(minutes=1):
        row.last_seen_at = now
