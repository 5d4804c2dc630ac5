"""Phone numbers, one idea in one place: stored as E.164 ("+15105550123"), read as people type
them in the district's region."""

from __future__ import annotations

import re

import phonenumbers

PHONE_REGION = "US"
E164 = re.compile(r"\+[1-9][0-9]{7,14}")


class NotAPhoneNumber(ValueError):
    """The text is not a real phone number."""


def to_e164(text: str, region: str = PHONE_REGION) -> str:
    """A typed phone number as E.164; NotAPhoneNumber when it is not a real one."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise NotAPhoneNumber(text) from exc
    if not phonenumbers.is_valid_number(number):
        raise NotAPhoneNumber(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164_or_as_written(text: str | None, limit: int = 32) -> str | None:
    """E.164 when it is a real number; otherwise as written (a roster's, shown as typed)."""
    if not text:
        return None
    if E164.fullmatch(text):
        return text  # already as stored: parsing a roster's 15,000 of them would cost seconds
    try:
        return to_e164(text)
    except NotAPhoneNumber:
        return text[:limit]
