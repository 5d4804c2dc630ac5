"""API tokens: made by an admin for one school, shown once, stored as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from fieldapp import audit
from fieldapp.extensions import db
from fieldapp.models import ApiToken, School, User

PREFIX = "fa_"  # recognisable in logs and by secret scanners
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token


def token_hash(token: str) -> str:
    """sha256 is enough: the token is 32 random bytes, not a password to guess."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(school: School, name: str, *, by: User) -> tuple[ApiToken, str]:
    """A new token and its secret, which is shown this once and never stored."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(school_id=school.id, name=name, token_hash=token_hash(secret), created_by=by)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.create", actor=by, obj=token, school_id=school.id, name=name)
    return token, secret


def revoke_token(token: ApiToken, *, by: User, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
        audit.record("api_token.revoke", actor=by, obj=token, school_id=token.school_id)
        db.session.flush()


def active_token(secret: str) -> ApiToken | None:
    return db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.school))
        .where(ApiToken.token_hash == token_hash(secret), ApiToken.revoked_at.is_(None))
    )


def touch(token: ApiToken, now: datetime) -> bool:
    """Note the token's use, unless it was noted within the last minute (a write per call
    would cost more than the call). True when the caller must commit."""
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return False
    token.last_used_at = now
    return True


def all_tokens() -> Select:
    return (
        select(ApiToken)
        .options(joinedload(ApiToken.school), joinedload(ApiToken.created_by))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id)
    )
