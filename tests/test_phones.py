"""Phone numbers in one place (fieldapp/phones.py): the forms' strict reading and the roster's
lenient one agree on what a real number is."""

from __future__ import annotations

import pytest

from fieldapp.phones import NotAPhoneNumber, e164_or_as_written, to_e164


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("(510) 555-0123", "+15105550123"),
        ("510.555.0123", "+15105550123"),
        ("+52 55 1234 5678", "+525512345678"),
    ],
)
def test_a_real_number_is_stored_as_e164_by_both(typed, stored):
    assert to_e164(typed) == stored and e164_or_as_written(typed) == stored


@pytest.mark.parametrize("typed", ["555-01", "call the office", "+1 000 000 0000"])
def test_a_number_that_is_not_real_is_refused_by_forms_and_kept_as_written_by_rosters(typed):
    with pytest.raises(NotAPhoneNumber):
        to_e164(typed)
    assert e164_or_as_written(typed) == typed
    assert e164_or_as_written("") is None and e164_or_as_written("x" * 40) == "x" * 32
