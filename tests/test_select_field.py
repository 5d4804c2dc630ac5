"""The app's select list (``fieldapp.fields.SelectField``) writes exactly what WTForms' own does:
escaped values and labels, the chosen option, lazy labels, coerced values, groups, attributes
on an option, required and described lists."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice
from wtforms import SelectField as WTFormsSelectField

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


def both(choices, coerce, data, **render):
    class Ours(Form):
        pick = SelectField("Pick", choices=choices, coerce=coerce)

    class Theirs(Form):
        pick = WTFormsSelectField("Pick", choices=choices, coerce=coerce)

    form_data = MultiDict({"pick": data}) if data is not None else None
    return Ours(form_data).pick(**render), Theirs(form_data).pick(**render)


@pytest.mark.parametrize("choices", CHOICES, ids=range(len(CHOICES)))
@pytest.mark.parametrize("data", [None, "3", "4", "2", "es", "am", "y", "True", "<x>"])
@pytest.mark.parametrize("render", [{}, {"required": True, "aria-describedby": "h e"}])
def test_it_writes_what_wtforms_writes(app, choices, data, render):
    coerce = int if choices and isinstance(choices, list) and choices[0].value == 1 else str
    if coerce is int and data is not None and not data.isdigit():
        data = None
    with app.test_request_context("/"), force_locale("es"):
        ours, theirs = both(choices, coerce, data, **render)
    assert ours == theirs
    if data == "4" and choices is CHOICES[0]:
        assert '<option selected value="4">Grade &#34;4&#34; &amp; &lt;up&gt;</option>' in ours


def test_the_forms_use_it():
    from fieldapp.families.forms import RosterFilterForm

    assert RosterFilterForm.class_id.field_class is SelectField
