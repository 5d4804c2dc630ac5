"""WTForms' own messages in the reader's language, its catalogue read once per language in a
process (``request.wtforms_translations``, which Flask-WTF reads): not parsed from disk again
for every request that validates a form."""

from __future__ import annotations

from babel import support
from flask_babel import force_locale
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from fieldapp import i18n


class _Form(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Name", validators=[DataRequired()])


def test_wtforms_messages_follow_the_language_and_are_read_once(app, monkeypatch):
    loads = []
    original = support.Translations.load.__func__

    def counting(cls, *args, **kwargs):
        loads.append(args[1])
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(support.Translations, "load", classmethod(counting))
    monkeypatch.setattr(i18n, "_WTFORMS_CATALOGUES", {})
    for _ in range(3):
        with app.test_request_context("/", method="POST", data={"name": ""}):
            form = _Form()
            assert not form.validate()
            assert form.name.errors == ["This field is required."]
            with force_locale("es"):
                form = _Form()
                assert not form.validate()
                assert form.name.errors == ["Este campo es obligatorio."]
    wtforms_loads = [codes for codes in loads if codes in (["en"], ["es"])]
    assert wtforms_loads == [["en"], ["es"]]  # once per language, not once per request
