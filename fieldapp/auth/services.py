"""Accounts and signing in. Services take explicit arguments and only flush."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from fieldapp import audit
from fieldapp.auth import sessions, throttle
from fieldapp.auth.mails import INVITATION, RESET
from fieldapp.auth.passwords import hash_password, needs_rehash, verify_password
from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.models import PasswordResetToken, Role, RoleAssignment, School, User

# Words for generated first passwords: long, easy to read out and type on a phone.
_WORDS = [
    "river",
    "maple",
    "orange",
    "window",
    "garden",
    "pencil",
    "rocket",
    "violin",
    "harbor",
    "meadow",
    "candle",
    "forest",
    "planet",
    "bridge",
    "lantern",
    "ticket",
    "pepper",
    "canyon",
    "marble",
    "falcon",
]


class AccountError(Exception):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str, *, now: datetime) -> User | None:
    """The user whose email and password these are, or None. The same message and the same work
    for an unknown email, a wrong password and a disabled account: no account enumeration.
    Raises ``throttle.SignInRefused`` while this email must wait after failures."""
    throttle.check(email, now=now)
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        failures = throttle.record_failure(email, now=now)
        if user is not None:
            user.failed_logins = failures
        audit.record(
            "auth.login",
            actor=user,
            success=False,
            email_domain=email.rpartition("@")[2][:100],
            failures=failures,
        )
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.clear(email)
    user.failed_logins = 0
    user.last_login_at = now
    audit.record("auth.login", actor=user)
    return user


def unlock(user: User, *, by: User) -> None:
    """An admin lets someone try to sign in again after the hard stop."""
    throttle.clear(user.email)
    user.failed_logins = 0
    audit.record("auth.unlock", actor=by, obj=user)


def set_active(user: User, active: bool, *, by: User | None, now: datetime) -> None:
    user.active = active
    if not active:
        sessions.end_all(user, now=now)
    audit.record("user.enable" if active else "user.disable", actor=by, obj=user)


# ---- password reset by an emailed one-time link ----------------------------------------------

RESET_VALID = timedelta(hours=1)
INVITATION_VALID = timedelta(days=7)  # a new person may not read their mail the same hour


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_reset(
    email: str, *, now: datetime, valid: timedelta = RESET_VALID
) -> tuple[User, str] | None:
    """A one-time reset token for the account with this email (None when there is none; the
    caller answers the same either way)."""
    user = find_user(email)
    if user is None or not user.active:
        audit.record("auth.reset_request", success=False)
        return None
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordResetToken(
            token_hash=_token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + valid,
        )
    )
    audit.record("auth.reset_request", actor=user, obj=user)
    return user, token


def reset_token_user(token: str, *, now: datetime) -> PasswordResetToken | None:
    row = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token))
    )
    if row is None or row.used_at is not None or row.expires_at < now:
        return None
    return row


def finish_reset(row: PasswordResetToken, new_password: str, *, now: datetime) -> User:
    user = db.session.get(User, row.user_id)
    row.used_at = now
    set_password(user, new_password)
    sessions.end_all(user, now=now)
    throttle.clear(user.email)
    user.failed_logins = 0
    audit.record("auth.reset", actor=user, obj=user)
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_version += 1  # every other session of this user ends


def change_password(
    user: User, current: str, new: str, *, now: datetime, keep_session: str | None
) -> None:
    """A new password; every other session of this user ends."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_("That is not your current password."), field="current_password")
    set_password(user, new)
    sessions.end_all(user, now=now, keep=keep_session)
    audit.record("auth.password_change", actor=user, obj=user)


def generate_password() -> str:
    return "-".join(secrets.choice(_WORDS) for _ in range(4)) + f"-{secrets.randbelow(100):02d}"


def create_account(
    *,
    name: str,
    email: str,
    role: Role,
    school: School | None,
    by: User | None,
    password: str | None = None,
    languages: str = "en",
) -> tuple[User, str]:
    """A new staff account and its first password (generated unless given), to hand over once."""
    email = normalise_email(email)
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AccountError(_("An account with this email already exists."), field="email")
    if role.is_school_role and school is None:
        raise AccountError(_("Choose the school this person works at."), field="school_id")
    password = password or generate_password()
    user = User(
        name=name.strip(),
        email=email,
        password_hash=hash_password(password),
        languages=" ".join(languages.split()) or "en",
    )
    user.roles.append(
        RoleAssignment(role=role, school_id=school.id if role.is_school_role and school else None)
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor=by, obj=user, role=role.value)
    return user, password


def grant_role(user: User, role: Role, school: School | None = None) -> None:
    school_id = school.id if role.is_school_role and school is not None else None
    if not any(a.role == role and a.school_id == school_id for a in user.roles):
        user.roles.append(RoleAssignment(role=role, school_id=school_id))


def sign_in_link_kind(user: User) -> str:
    """An invitation for someone who has never signed in, a reset for everyone else."""
    return INVITATION if user.last_login_at is None else RESET


def offer_sign_in_link(user: User, *, by: User | None) -> str:
    """An admin (or ``flask users send-reset``) sends this person a link to choose a password,
    instead of handing over one. Audited here; the email itself goes through the task queue.
    Returns the kind of link."""
    if not user.active:
        raise AccountError(_("Enable this account first."), field="email")
    kind = sign_in_link_kind(user)
    audit.record("user.sign_in_link", actor=by, obj=user, kind=kind)
    return kind
