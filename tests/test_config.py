"""Settings from the environment: a value that is not what the setting needs stops the app at
start with a message naming the variable, never a bare ValueError from int() or float()."""

from __future__ import annotations

import pytest

from fieldapp import create_app
from fieldapp.config import from_environment, seconds, whole_number

WHOLE_NUMBERS = [
    "FIELDAPP_IDLE_MINUTES",
    "FIELDAPP_IDLE_MINUTES_VISITOR",
    "FIELDAPP_SMTP_PORT",
    "FIELDAPP_FRESH_LOGIN_MINUTES",
    "FIELDAPP_SYNC_RETRY_MS",
    "FIELDAPP_SYNC_SAVED_AFTER_MS",
]


@pytest.mark.parametrize("name", WHOLE_NUMBERS)
@pytest.mark.parametrize("value", ["thirty", "-5", "1.5", ""])
def test_a_whole_number_setting_says_which_variable_is_wrong(tmp_path, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    if value == "":  # unset: the default
        assert from_environment(str(tmp_path))
        return
    with pytest.raises(ValueError, match=f"{name} must be a whole number, not '{value}'"):
        from_environment(str(tmp_path))


def test_whole_numbers_and_seconds_are_read():
    env = {"A": " 587 ", "B": "0.5"}.get
    assert whole_number("A", "25", env) == 587 and whole_number("C", "25", env) == 25
    assert seconds("B", "1", env) == 0.5 and seconds("C", "1", env) == 1.0


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_the_audit_flush_interval_says_which_variable_is_wrong(tmp_path, monkeypatch, value):
    monkeypatch.setenv("FIELDAPP_AUDIT_FLUSH_SECONDS", value)
    with pytest.raises(ValueError, match="FIELDAPP_AUDIT_FLUSH_SECONDS must be a number"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "TESTING": True})
