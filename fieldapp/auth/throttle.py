"""Growing delays after failed sign-ins, and a hard stop, keyed by the email typed.

Keyed by the email text, not the account, so that an unknown email and a known one meet the same
delays and messages: the answers never tell which emails have an account. Kept in the database,
so every app server counts toward the same lock-out."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.i18n import ngettext
from fieldapp.models import LoginThrottle

FREE_FAILURES = 5  # no delay before the 6th failure
HARD_STOP = 100  # then only a password reset or an admin unlocks
MAX_DELAY = timedelta(minutes=15)


class SignInRefused(Exception):
    def __init__(self, message: str, retry_after: int | None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _row(email: str) -> LoginThrottle | None:
    return db.session.get(LoginThrottle, _key(email))


def delay_after(failures: int) -> timedelta:
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(timedelta(seconds=2 ** (failures - FREE_FAILURES + 1)), MAX_DELAY)


def check(email: str, *, now: datetime) -> None:
    """Raise ``SignInRefused`` while this email must wait, or is locked."""
    row = _row(email)
    if row is None:
        return
    if row.failures >= HARD_STOP:
        raise SignInRefused(
            _(
                "Signing in with this email is locked after too many tries. Reset "
                "your password by email, or ask your district admin."
            ),
            None,
        )
    if row.last_failed_at is None:
        return
    wait = row.last_failed_at + delay_after(row.failures) - now
    if wait > timedelta(0):
        seconds = int(wait.total_seconds()) + 1
        raise SignInRefused(_say(seconds), seconds)


def _say(seconds: int) -> str:
    if seconds < 90:
        return ngettext(
            "Too many tries. Wait %(num)d second, then try again.",
            "Too many tries. Wait %(num)d seconds, then try again.",
            seconds,
        )
    return ngettext(
        "Too many tries. Wait %(num)d minute, then try again.",
        "Too many tries. Wait %(num)d minutes, then try again.",
        round(seconds / 60),
    )


def record_failure(email: str, *, now: datetime) -> int:
    row = _row(email) or LoginThrottle(email_hash=_key(email), failures=0)
    row.failures += 1
    row.last_failed_at = now
    db.session.add(row)
    return row.failures


def clear(email: str) -> None:
    row = _row(email)
    if row is not None:
        db.session.delete(row)
