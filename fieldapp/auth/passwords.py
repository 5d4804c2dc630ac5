"""Password hashing with argon2id (argon2-cffi), parameters from the app's config."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from fieldapp.i18n import gettext as _

# Verified against when an email has no account, so that a miss costs as long as a hit and
# response times do not tell which emails exist.
_DUMMY_PASSWORD = "fieldapp-timing-equaliser"


def _hasher() -> PasswordHasher:
    params = current_app.config["PASSWORD_HASH_PARAMS"]
    hasher = current_app.extensions.get("fieldapp_hasher")
    if hasher is None or hasher[0] != params:
        hasher = (params, PasswordHasher(**params))
        current_app.extensions["fieldapp_hasher"] = hasher
    return hasher[1]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    if stored_hash is None:
        hasher.verify(hasher.hash(_DUMMY_PASSWORD), _DUMMY_PASSWORD)
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


# ---- what a good password is (NIST SP 800-63B rev. 4) -----------------------------------------

MIN_LENGTH = 15
MAX_LENGTH = 128  # at least 64 must be allowed; long pass-phrases are welcome


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords, shipped with zxcvbn's frequency lists."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None. Length and the list of common passwords only:
    no composition rules, which make passwords worse, not better."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(num)d characters. A short sentence works well.", num=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(num)d characters.", num=MAX_LENGTH)
    folded = "".join(password.lower().split())
    if folded in common_passwords() or password.lower() in common_passwords():
        return _("This password is on the list of the most common passwords. Choose another.")
    if len(set(folded)) <= 2:
        return _("Use more than one or two different characters.")
    return None
