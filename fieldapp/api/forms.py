from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length


class NewTokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[InputRequired(), Length(max=100)],
        description="What will use it, e.g. “SIS nightly sync”.",
    )
    school_id = SelectField("School", coerce=int, validate_choice=True)
