"""The family's answer and the team's offer. The answer's labels are in the family catalogue:
the family's page is shown in their language."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from fieldapp.fields import SafeListForm, sane_date
from fieldapp.formatting import MODES
from fieldapp.i18n import lazy_fgettext as _fl
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import VisitMode
from fieldapp.offers.services import MAX_SLOTS, NOTE_MAX


class AnswerForm(FlaskForm):
    """One plain form for every answer (it works with no JavaScript): the button pressed says
    which. The time and the place are checked only for "this time suits us"."""

    class Meta:
        csrf = False  # the link's secret token guards the form (see offers.views.family)

    slot = RadioField(_fl("Which time suits you?"), coerce=int, validate_choice=False)
    mode = RadioField(_fl("Where would you like to meet?"), validate_choice=False)
    note = TextAreaField(
        _fl("Anything you would like to tell us? (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX, message=_fl("Please write a little less."))],
        description=_fl("For example the place you prefer, or a question."),
    )
    never = BooleanField(_fl("Please do not contact us again"))
    lang = HiddenField()


class SlotEntry(Form):
    """One time offered; a row left empty is ignored."""

    day = DateField(_l("Date"), validators=[sane_date, Optional()])
    start_time = TimeField(_l("Start time"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if (self.day.data is None) != (self.start_time.data is None):
            self.start_time.errors = [*self.start_time.errors, _l("Give both a date and a time.")]
            return False
        return valid


class OfferForm(SafeListForm):
    slots = FieldList(FormField(SlotEntry), min_entries=MAX_SLOTS, max_entries=MAX_SLOTS)
    modes = SelectMultipleField(
        _l("Places you can do"),
        choices=[SelectChoice(m.value, label) for m, label in MODES.items()],
        default=[VisitMode.HOME.value, VisitMode.NEUTRAL.value],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
