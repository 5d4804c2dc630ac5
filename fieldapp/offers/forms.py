"""The family's answer and the team's offer. Labels are marked for translation: the family's
page is shown in their language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, TextAreaField
from wtforms.validators import Length, Optional

from fieldapp.offers.services import NOTE_MAX


class AnswerForm(FlaskForm):
    """One plain form for every answer (it works with no JavaScript): the button pressed says
    which. The time and the place are checked only for "this time suits us"."""

    slot = RadioField(_l("Which time suits you?"), coerce=int, validate_choice=False)
    mode = RadioField(_l("Where would you like to meet?"), validate_choice=False)
    note = TextAreaField(
        _l("Anything you would like to tell us? (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("Please write a little less."))],
        description=_l("For example the place you prefer, or a question."),
    )
    never = BooleanField(_l("Please do not contact us again"))
    lang = HiddenField()
