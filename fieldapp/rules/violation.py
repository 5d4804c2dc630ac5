"""A change the model's rules refuse, and how their messages name a day."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from flask_babel import get_locale


class RuleViolation(Exception):
    """A change the model's rules refuse; ``str(exc)`` is a message for the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the message belongs next to, when there is one


def message_day(value: date, pattern: str = "d MMM y") -> str:
    """A day in messages for people, in their language ("1 Dec 2026", "1 dic 2026"; English
    outside a request)."""
    return format_date(value, pattern, locale=str(get_locale() or "en")).replace(".", "")
