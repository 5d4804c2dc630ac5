"""Password hashing with argon2id (argon2-cffi), parameters from the app's config."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

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
