from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from fieldapp.auth.passwords import MAX_LENGTH, password_problem
from fieldapp.fields import SelectField
from fieldapp.i18n import LOCALES
from fieldapp.i18n import lazy_gettext as _l

MAX_PASSWORD = MAX_LENGTH


def _good_password(form, field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(_l("Enter your email.")), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD)],
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ReauthForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD)],
    )


class ResetPasswordForm(FlaskForm):
    """A new password, typed twice: for a reset link and, below, a password change."""

    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), _good_password],
        description=_l("At least 15 characters. No rules about symbols: a phrase you remember."),
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Enter the new password again.")),
            EqualTo("new_password", _l("The two new passwords differ.")),
        ],
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )


class NewAccountForm(FlaskForm):
    name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter the person's name.")), Length(max=200)]
    )
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter an email address.")),
            Email(_l("Enter a valid email address, like name@school.org.")),
            Length(max=254),
        ],
    )
    role = SelectField(_l("Role"), validators=[DataRequired(_l("Choose a role."))])
    school_id = SelectField(_l("School"), coerce=int, validate_choice=False)
    languages = StringField(
        _l("Languages spoken"),
        default="en",
        validators=[Length(max=100)],
        description=_l("Language codes separated by spaces, e.g. “en es”."),
    )
    show_password = BooleanField(
        _l("Show me a first password to hand over instead"),
        description=_l(
            "Otherwise they get an email with a link to choose their own password, valid 7 days."
        ),
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"), validators=[DataRequired(_l("Enter your email.")), Length(max=254)]
    )


class LanguageForm(FlaskForm):
    # Each language named in itself, as a person looking for theirs expects to read it.
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("The language of my browser")),
            *(SelectChoice(code, name) for code, name in LOCALES.items()),
        ],
        validate_choice=True,
        description=_l("The language of these pages and of the emails the app sends you."),
    )
