"""The reports' filters: a GET form (no CSRF: nothing changes), its fields checked here."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional

from fieldapp.fields import sane_date
from fieldapp.reports.services import GRADES, grade_label


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    # School and round are checked by the view against what the person may see (404 otherwise).
    school = SelectField("School", validate_choice=False)
    round = SelectField("Round", validate_choice=False)
    start = DateField("From", validators=[Optional(), sane_date])
    end = DateField("To", validators=[Optional(), sane_date])
    grade = SelectField(
        "Grade",
        choices=[SelectChoice("", "All grades")]
        + [SelectChoice(g, grade_label(g)) for g in GRADES],
        validators=[Optional()],
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.grade.errors:
            self.grade.errors[:] = ["Choose a grade from the list."]
        if ok and self.start.data and self.end.data and self.end.data < self.start.data:
            self.end.errors.append("The end date is before the start date.")
            ok = False
        return ok
