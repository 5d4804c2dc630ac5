"""Numbers for people in the reader's language, as the reports write them."""

from __future__ import annotations

from decimal import Decimal

from fieldapp.formatting import format_number, format_percent
from fieldapp.i18n import current_locale


def num(value: float | Decimal, pattern: str = "#,##0") -> str:
    """A number for people, in the reader's language ("1,234" / "1234", "2.50" / "2,50"); in a
    task too, under ``in_language`` (the formatters alone take English outside a request)."""
    return format_number(value, pattern, current_locale())


def pct(share: float) -> str:
    return format_percent(share, code=current_locale())
