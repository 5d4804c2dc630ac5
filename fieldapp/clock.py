"""The app's idea of "now". Everything that asks what time it is asks here, so that tests (and
only configuration, never a request) can move time forward with ``CLOCK_OFFSET``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def now() -> datetime:
    offset = current_app.config.get("CLOCK_OFFSET") if has_app_context() else None
    return datetime.now(UTC) + (offset or timedelta(0))


def today(tz: ZoneInfo) -> date:
    return now().astimezone(tz).date()
