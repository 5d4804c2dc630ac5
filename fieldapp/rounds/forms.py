from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from fieldapp.fields import CheckboxesField, sane_date
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import RoundScope, VisitType


class RoundForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the round a name, e.g. “Fall 2026 first visits”.")),
            Length(max=200, message=_l("Keep the name under 200 characters.")),
        ],
    )
    visit_type = RadioField(
        _l("Visits"),
        choices=[
            SelectChoice(VisitType.FIRST.value, _l("First visits: hopes and dreams")),
            SelectChoice(VisitType.SECOND.value, _l("Second visits: academics")),
        ],
        default=VisitType.FIRST.value,
        validators=[InputRequired(_l("Choose first or second visits."))],
    )
    starts_on = DateField(
        _l("From"), validators=[sane_date, InputRequired(_l("Choose the first day."))]
    )
    ends_on = DateField(_l("To"), validators=[sane_date, InputRequired(_l("Choose the last day."))])
    scope = RadioField(
        _l("Who is visited"),
        choices=[
            SelectChoice(RoundScope.SCHOOL.value, _l("The whole school")),
            SelectChoice(RoundScope.GRADES.value, _l("Some grades")),
            SelectChoice(RoundScope.CLASSES.value, _l("Some classes")),
            SelectChoice(RoundScope.STUDENTS.value, _l("Chosen students")),
        ],
        default=RoundScope.SCHOOL.value,
        validators=[InputRequired(_l("Choose who is visited."))],
    )
    grades = CheckboxesField(_l("Grades"), validate_choice=False)
    classes = CheckboxesField(_l("Classes"), coerce=int, validate_choice=False)
    students = StringField(
        _l("Student ids"),
        description=_l("For chosen students only: their SIS ids, separated by commas or spaces."),
    )
