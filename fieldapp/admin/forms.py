from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SearchField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from fieldapp.fields import SelectField
from fieldapp.i18n import lazy_gettext as _l


class PeopleSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    q = SearchField(_l("Find a person"), validators=[Optional(), Length(max=100)])


class SchoolSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    q = SearchField(_l("Find a school"), validators=[Optional(), Length(max=100)])


class PersonForm(FlaskForm):
    name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter the person's name.")), Length(max=200)]
    )
    staff_id = StringField(
        _l("Staff id"),
        validators=[
            Optional(),
            Length(max=64, message=_l("At most 64 characters.")),
            Regexp(r"^[\w.\-/]+$", message=_l("Letters, digits and . - / _ only.")),
        ],
        description=_l("The person's id in the district's payroll: the hours file carries it."),
    )
    remove = SelectMultipleField(
        _l("Roles to take away"),
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    role = SelectField(_l("Add a role"), validate_choice=True)
    school_id = SelectField(_l("At school"), coerce=int, validate_choice=True)


class SignInProvidersForm(FlaskForm):
    """Which of the installation's identity providers the sign-in page offers staff."""

    shown = SelectMultipleField(
        _l("Offer on the sign-in page"),
        choices=[],
        validate_choice=True,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
