from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from fieldapp.fields import CheckboxesField, plausible_number, sane_date
from fieldapp.models import TrainingKind


class SessionForm(FlaskForm):
    title = StringField(
        "Title", validators=[DataRequired("Give the session a title."), Length(max=200)]
    )
    kind = RadioField(
        "Kind",
        choices=[
            SelectChoice(TrainingKind.FOUNDATIONAL.value, "Foundational"),
            SelectChoice(TrainingKind.REFRESHER.value, "Refresher"),
        ],
        default=TrainingKind.FOUNDATIONAL.value,
        validators=[InputRequired("Choose the kind of session.")],
    )
    date = DateField("Date", validators=[sane_date, InputRequired("Choose the date.")])
    start_time = TimeField("Starts", validators=[InputRequired("Choose when it starts.")])
    end_time = TimeField("Ends", validators=[InputRequired("Choose when it ends.")])
    place = StringField("Place", validators=[Length(max=300)])
    schools = CheckboxesField(
        "Schools invited", coerce=int, validators=[DataRequired("Invite at least one school.")]
    )
    trainers = CheckboxesField(
        "Trainers", coerce=int, validators=[DataRequired("Choose at least one trainer.")]
    )


class ImportForm(FlaskForm):
    file = FileField(
        "Sign-in sheet (CSV)",
        validators=[
            FileRequired("Choose the CSV file of the sign-in sheet."),
            FileSize(max_size=2 * 1024 * 1024, message="The file is over 2 MB."),
        ],
        description="One person per row: their email or staff id in the first column.",
    )
    mode = RadioField(
        "If some rows have errors",
        choices=[
            SelectChoice("all_or_nothing", "Import nothing until the file is fixed"),
            SelectChoice("good_rows", "Import the good rows, report the rest"),
        ],
        default="all_or_nothing",
        validators=[InputRequired()],
    )


class ValidityForm(FlaskForm):
    months = IntegerField(
        "A foundational training stays valid for (months)",
        validators=[
            Optional(),
            plausible_number,
            NumberRange(1, 240, "Enter between 1 and 240 months."),
        ],
        description="Leave empty if training never lapses. A refresher renews it for as long.",
    )
