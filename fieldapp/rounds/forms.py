from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from fieldapp.fields import CheckboxesField, sane_date
from fieldapp.models import RoundScope, VisitType


class RoundForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired("Give the round a name, e.g. “Fall 2026 first visits”."),
            Length(max=200),
        ],
    )
    visit_type = RadioField(
        "Visits",
        choices=[
            SelectChoice(VisitType.FIRST.value, "First visits: hopes and dreams"),
            SelectChoice(VisitType.SECOND.value, "Second visits: academics"),
        ],
        default=VisitType.FIRST.value,
        validators=[InputRequired("Choose first or second visits.")],
    )
    starts_on = DateField("From", validators=[sane_date, InputRequired("Choose the first day.")])
    ends_on = DateField("To", validators=[sane_date, InputRequired("Choose the last day.")])
    scope = RadioField(
        "Who is visited",
        choices=[
            SelectChoice(RoundScope.SCHOOL.value, "The whole school"),
            SelectChoice(RoundScope.GRADES.value, "Some grades"),
            SelectChoice(RoundScope.CLASSES.value, "Some classes"),
            SelectChoice(RoundScope.STUDENTS.value, "Chosen students"),
        ],
        default=RoundScope.SCHOOL.value,
        validators=[InputRequired("Choose who is visited.")],
    )
    grades = CheckboxesField("Grades", validate_choice=False)
    classes = CheckboxesField("Classes", coerce=int, validate_choice=False)
    students = StringField(
        "Student ids",
        description="For chosen students only: their SIS ids, separated by commas or spaces.",
    )
