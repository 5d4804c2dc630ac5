from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from fieldapp.auth.passwords import MAX_LENGTH, password_problem

MAX_PASSWORD = MAX_LENGTH


def _good_password(form, field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=MAX_PASSWORD)]
    )
    remember = BooleanField("Keep me signed in on this device")


class ReauthForm(FlaskForm):
    password = PasswordField(
        "Your password", validators=[DataRequired("Enter your password."), Length(max=MAX_PASSWORD)]
    )


class ResetPasswordForm(FlaskForm):
    """A new password, typed twice: for a reset link and, below, a password change."""

    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Enter a new password."), _good_password],
        description="At least 15 characters. No rules about symbols: a phrase you remember.",
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            DataRequired("Enter the new password again."),
            EqualTo("new_password", "The two new passwords differ."),
        ],
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )


class NewAccountForm(FlaskForm):
    name = StringField(
        "Full name", validators=[DataRequired("Enter the person's name."), Length(max=200)]
    )
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter an email address."),
            Email("Enter a valid email address, like name@school.org."),
            Length(max=254),
        ],
    )
    role = SelectField("Role", validators=[DataRequired("Choose a role.")])
    school_id = SelectField("School", coerce=int, validate_choice=False)
    languages = StringField(
        "Languages spoken",
        default="en",
        validators=[Length(max=100)],
        description="Language codes separated by spaces, e.g. “en es”.",
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email."), Length(max=254)])
