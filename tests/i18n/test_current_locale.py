"""The request's language code and catalogue are kept next to the locale they were read from:
one lookup per locale, and a forced language (``in_language``) or a refresh is followed at
once."""

from __future__ import annotations

from flask_babel import refresh

from fieldapp.i18n import current_locale, gettext, in_language


def test_the_language_follows_the_request_a_forced_language_and_a_refresh(app):
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert (current_locale(), gettext("Training")) == ("es", "Formación")
        assert current_locale() == "es"  # kept: the same answer
        with in_language("en"):
            assert (current_locale(), gettext("Training")) == ("en", "Training")
            with in_language("es"):
                assert (current_locale(), gettext("Training")) == ("es", "Formación")
            assert current_locale() == "en"
        assert (current_locale(), gettext("Training")) == ("es", "Formación")
        refresh()
        assert (current_locale(), gettext("Training")) == ("es", "Formación")


def test_outside_a_request_it_is_english(app):
    assert current_locale() == "en"
    with app.app_context():
        assert current_locale() == "en"
        assert gettext("Training") == "Training"
