"""The app's select list (``fieldapp.fields.SelectField``) writes exactly what WTForms' own does:
escaped values and labels, the chosen option, lazy labels, coerced values, groups, attributes
on an option, required and described lists."""

from __future__ import annotations

import itertools

import pytest
from flask_babel import force_locale
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice
from wtforms import SelectField as WTFormsSelectField
from wtforms.validators import InputRequired

from fieldapp.fields import SelectField
from fieldapp.i18n import lazy_gettext as _l

C = SelectChoice
CHOICES = [
    [C("", "All"), C("3", "Grade 3"), C("4", 'Grade "4" & <up>')],
    [C(1, "One"), C(2, "Two")],
    [C("en", _l("English")), C("es", _l("Spanish"))],
    [C("a", "")],  # an empty label: the value is shown
    [C("am", "9 am", optgroup="Mornings"), C("pm", "6 pm", optgroup="Evenings")],
    [C("x", "Ex", {"disabled": True}), C("y", "Why")],  # an option with attributes of its own
    [C(True, "Yes"), C(False, "No")],
    [],
]


def both(choices, coerce, data, validators=(), **render):
    class Ours(Form):
        pick = SelectField("Pick", choices=choices, coerce=coerce, validators=list(validators))

    class Theirs(Form):
        pick = WTFormsSelectField(
            "Pick", choices=choices, coerce=coerce, validators=list(validators)
        )

    form_data = MultiDict({"pick": data}) if data is not None else None
    return Ours(form_data).pick(**render), Theirs(form_data).pick(**render)


DATA = [None, "3", "4", "2", "es", "am", "y", "True", "<x>"]
RENDERS = [{}, {"required": True, "aria-describedby": "h e"}, {"disabled": True}]


@pytest.mark.parametrize("choices", CHOICES, ids=range(len(CHOICES)))
@pytest.mark.parametrize("validators", [(), (InputRequired(),)], ids=["free", "required"])
def test_it_writes_what_wtforms_writes(app, choices, validators):
    """Each list, with and without a required validator, for every value sent and every way a
    template renders it (one app for all: a case per test made the suite slower for nothing)."""
    coerce = int if choices and isinstance(choices, list) and choices[0].value == 1 else str
    for data, render in itertools.product(DATA, RENDERS):
        sent = None if coerce is int and data is not None and not data.isdigit() else data
        with app.test_request_context("/"), force_locale("es"):
            ours, theirs = both(choices, coerce, sent, validators, **render)
        assert ours == theirs, (sent, render)
        if validators and "required" not in render:
            assert " required" in ours  # the field's flag, copied as WTForms copies it
        if sent == "4" and choices is CHOICES[0]:
            assert '<option selected value="4">Grade &#34;4&#34; &amp; &lt;up&gt;</option>' in ours


def test_the_forms_use_it():
    from fieldapp.families.forms import RosterFilterForm

    assert RosterFilterForm.class_id.field_class is SelectField


@pytest.mark.parametrize(
    "given",
    [
        {"name": "q", "id": "q"},
        {"required": True, "disabled": False, "class_": "a b", "data_x_y": "1"},
        {"aria_describedby": "h e", "value": 'say "hi" & <go>', "for": "x"},
        {"value": Markup('already "marked" <b>'), "title": _l("English")},
        {},
    ],
)
def test_attributes_are_written_as_wtforms_writes_them(app, given):
    from wtforms.widgets.core import html_params

    from fieldapp.fields import attributes

    with app.test_request_context("/"), force_locale("es"):
        assert attributes(**given) == html_params(**given)


def test_the_field_macro_writes_wtforms_own_label_and_input(app):
    """The ``field`` macro writes the label itself, and the input's attributes come from
    ``field_attributes``: what ``f.label()`` and WTForms' widget write, with help and error."""
    from wtforms import StringField
    from wtforms.validators import DataRequired

    class _Form(Form):
        name = StringField(_l("English"), validators=[DataRequired()], description="Help")
        pick = SelectField("Pick <a>", choices=CHOICES[0])

    with app.test_request_context("/"), force_locale("es"):
        form = _Form(MultiDict({"name": ""}))
        form.validate()
        html = app.jinja_env.from_string(
            '{% from "macros/forms.html" import field %}'
            "{{ field(f.name, autocomplete='name') }}{{ field(f.pick) }}"
        ).render(f=form)
        assert str(form.name.label()) in html and str(form.pick.label()) in html
        described = "name-help name-error"
        assert (
            str(
                form.name(
                    **{
                        "aria-describedby": described,
                        "aria-invalid": "true",
                        "autocomplete": "name",
                        "required": True,
                    }
                )
            )
            in html
        )
        pick = form.pick(**{"aria-describedby": "pick-error", "aria-invalid": "true"})
        assert str(pick) in html  # no choice sent: "Not a valid choice", beside the list
