from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, RadioField, SelectChoice
from wtforms.validators import InputRequired, NumberRange

from fieldapp.fields import finite, sane_date
from fieldapp.models import HoursMode


class HoursRangeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    start = DateField("From", validators=[sane_date, InputRequired("Choose the first day.")])
    end = DateField("To", validators=[sane_date, InputRequired("Choose the last day.")])


class HoursSettingsForm(FlaskForm):
    mode = RadioField(
        "Pay per",
        choices=[
            SelectChoice(HoursMode.PER_VISIT.value, "Completed visit (fixed hours)"),
            SelectChoice(HoursMode.MINUTES.value, "Minutes the team recorded"),
        ],
        validators=[InputRequired()],
    )
    hours_per_visit = DecimalField(
        "Hours per completed visit",
        places=2,
        validators=[
            InputRequired("Enter the hours paid per visit."),
            finite,
            NumberRange(0, 24, "Enter between 0 and 24 hours."),
        ],
    )
