from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from fieldapp.fields import CheckboxesField, plausible_number, sane_date
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import TrainingKind

# The kinds of training, as people read them.
TRAINING_KINDS = {
    TrainingKind.FOUNDATIONAL: _l("Foundational"),
    TrainingKind.REFRESHER: _l("Refresher"),
}


class SessionForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give the session a title.")),
            Length(max=200, message=_l("Keep the title under 200 characters.")),
        ],
    )
    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, label) for kind, label in TRAINING_KINDS.items()],
        default=TrainingKind.FOUNDATIONAL.value,
        validators=[InputRequired(_l("Choose the kind of session."))],
    )
    date = DateField(_l("Date"), validators=[sane_date, InputRequired(_l("Choose the date."))])
    start_time = TimeField(_l("Starts"), validators=[InputRequired(_l("Choose when it starts."))])
    end_time = TimeField(_l("Ends"), validators=[InputRequired(_l("Choose when it ends."))])
    place = StringField(
        _l("Place"),
        validators=[Length(max=300, message=_l("Keep the place under 300 characters."))],
    )
    schools = CheckboxesField(
        _l("Schools invited"),
        coerce=int,
        validators=[DataRequired(_l("Invite at least one school."))],
    )
    trainers = CheckboxesField(
        _l("Trainers"), coerce=int, validators=[DataRequired(_l("Choose at least one trainer."))]
    )


class ImportForm(FlaskForm):
    file = FileField(
        _l("Sign-in sheet (CSV)"),
        validators=[
            FileRequired(_l("Choose the CSV file of the sign-in sheet.")),
            FileSize(max_size=2 * 1024 * 1024, message=_l("The file is over 2 MB.")),
        ],
        description=_l("One person per row: their email or staff id in the first column."),
    )
    mode = RadioField(
        _l("If some rows have errors"),
        choices=[
            SelectChoice("all_or_nothing", _l("Import nothing until the file is fixed")),
            SelectChoice("good_rows", _l("Import the good rows, report the rest")),
        ],
        default="all_or_nothing",
        validators=[InputRequired(_l("Choose what to do with rows that have errors."))],
    )


class ValidityForm(FlaskForm):
    months = IntegerField(
        _l("A foundational training stays valid for (months)"),
        validators=[
            Optional(),
            plausible_number,
            NumberRange(1, 240, _l("Enter between 1 and 240 months.")),
        ],
        description=_l("Leave empty if training never lapses. A refresher renews it for as long."),
    )


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is the completion taken back?"),
        validators=[
            DataRequired(_l("Say why the completion is taken back.")),
            Length(max=500, message=_l("Keep the reason under 500 characters.")),
        ],
        description=_l("Kept in the audit trail with your name, e.g. “ticked by mistake”."),
    )
