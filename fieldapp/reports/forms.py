"""The reports' filters: a GET form (no CSRF: nothing changes), its fields checked here."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice
from wtforms.validators import Optional

from fieldapp.fields import SelectField, sane_date
from fieldapp.grades import GRADES, lazy_grade_label
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    # School and round are checked by the view against what the person may see (404 otherwise).
    school = SelectField(_l("School"), validate_choice=False)
    round = SelectField(_l("Round"), validate_choice=False)
    start = DateField(_l("From"), validators=[Optional(), sane_date])
    end = DateField(_l("To"), validators=[Optional(), sane_date])
    grade = SelectField(_l("Grade"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request: the grades' names are in the reader's language.
        self.grade.choices = [SelectChoice("", _("All grades"))] + [
            SelectChoice(g, lazy_grade_label(g)) for g in GRADES
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.grade.errors:
            self.grade.errors[:] = [_("Choose a grade from the list.")]
        if ok and self.start.data and self.end.data and self.end.data < self.start.data:
            self.end.errors.append(_("The end date is before the start date."))
            ok = False
        return ok


class YearForm(FlaskForm):
    """The impact report's school year (its choices: the years with attendance, set by the view)."""

    class Meta:
        csrf = False

    year = SelectField(_l("School year"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.year.errors:
            self.year.errors[:] = [_("Choose a school year from the list.")]
        return ok
