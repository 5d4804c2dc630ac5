"""Accounts and signing in. Services take explicit arguments and only flush."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from fieldapp import audit
from fieldapp.auth.passwords import hash_password, needs_rehash, verify_password
from fieldapp.extensions import db
from fieldapp.models import Role, RoleAssignment, School, User, utcnow

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


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password these are, or None. The same message and the same work
    for an unknown email, a wrong password and a disabled account: no account enumeration."""
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        if user is not None:
            user.failed_logins += 1
        audit.record("auth.login", actor=user, success=False, email_domain=email.rpartition("@")[2])
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.last_login_at = utcnow()
    audit.record("auth.login", actor=user)
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_version += 1  # every other session of this user ends


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError("That is not your current password.", field="current_password")
    set_password(user, new)
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
        raise AccountError("An account with this email already exists.", field="email")
    if role.is_school_role and school is None:
        raise AccountError("Choose the school this person works at.", field="school_id")
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
