from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, RadioField, SelectChoice
from wtforms.validators import InputRequired, NumberRange

from fieldapp.fields import finite, sane_date
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import HoursMode


class HoursRangeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    start = DateField(
        _l("From"), validators=[sane_date, InputRequired(_l("Choose the first day."))]
    )
    end = DateField(_l("To"), validators=[sane_date, InputRequired(_l("Choose the last day."))])


class HoursSettingsForm(FlaskForm):
    mode = RadioField(
        _l("Pay per"),
        choices=[
            SelectChoice(HoursMode.PER_VISIT.value, _l("Completed visit (fixed hours)")),
            SelectChoice(HoursMode.MINUTES.value, _l("Minutes the team recorded")),
        ],
        validators=[InputRequired(_l("Choose how visits are paid."))],
    )
    hours_per_visit = DecimalField(
        _l("Hours per completed visit"),
        places=2,
        validators=[
            InputRequired(_l("Enter the hours paid per visit.")),
            finite,
            NumberRange(0, 24, _l("Enter between 0 and 24 hours.")),
        ],
    )
