"""The export's dates: a GET form (no CSRF: nothing changes)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import InputRequired

from fieldapp.fields import sane_date


class ExportForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField("Visits from", validators=[InputRequired(), sane_date])
    end = DateField("Visits to", validators=[InputRequired(), sane_date])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.end.data < self.start.data:
            self.end.errors.append("The end date is before the start date.")
            ok = False
        return ok
