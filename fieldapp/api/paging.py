"""The API's query parameters: ``updated_since``, ``cursor`` (opaque) and ``limit``."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from werkzeug.datastructures import MultiDict

from fieldapp.api.queries import Position, Pull
from fieldapp.fields import MAX_ID

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class BadParameter(ValueError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


def encode_cursor(position: Position) -> str:
    raw = json.dumps([position.updated_at.astimezone(UTC).isoformat(), position.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, id_ = json.loads(raw)
        position = Position(_aware(datetime.fromisoformat(when)), id_)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        raise BadParameter("cursor", "not a cursor this API gave") from None
    if type(id_) is not int or not 0 < id_ <= MAX_ID:
        raise BadParameter("cursor", "not a cursor this API gave")
    return position


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("no time zone")
    return value.astimezone(UTC)


def parse_since(value: str) -> datetime:
    try:
        return _aware(datetime.fromisoformat(value))
    except (ValueError, OverflowError):
        raise BadParameter(
            "updated_since", "an ISO 8601 date and time with its offset, e.g. 2026-09-01T00:00:00Z"
        ) from None


def parse_limit(value: str) -> int:
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise BadParameter("limit", f"a whole number from 1 to {MAX_LIMIT}")
    return int(value)


def pull(args: MultiDict, until: datetime) -> Pull:
    since = args.get("updated_since")
    cursor = args.get("cursor")
    limit = args.get("limit")
    return Pull(
        since=parse_since(since) if since is not None else None,
        position=decode_cursor(cursor) if cursor is not None else None,
        until=until,
        limit=parse_limit(limit) if limit is not None else DEFAULT_LIMIT,
    )
