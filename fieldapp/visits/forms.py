"""Forms of the visitor's screens. Labels speak the field's words; every error says what to do."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from fieldapp import rules
from fieldapp.fields import SafeListForm, SelectField, clean_formdata, plausible_number, sane_date
from fieldapp.formatting import CONTACT_METHODS, MODES, OUTCOMES
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import Visit, VisitMode

LONG_TEXT = 5000


class ContactForm(FlaskForm):
    method = RadioField(
        _l("How"),
        choices=[SelectChoice(m.value, label) for m, label in CONTACT_METHODS.items()],
        default="call",
        validators=[InputRequired(_l("Choose how you reached out."))],
    )
    outcome = RadioField(
        _l("What happened"),
        choices=[SelectChoice(o.value, label) for o, label in OUTCOMES.items()],
        validators=[InputRequired(_l("Choose what happened."))],
    )
    note = StringField(
        _l("Note (optional)"),
        validators=[Length(max=1000, message=_l("Keep the note under 1,000 characters."))],
        description=_l("A few words for your partner, e.g. “call back after 6”."),
    )
    confirm = HiddenField()
    # Made by the phone's script: the same contact sent again (a retry) is stored once.
    client_id = HiddenField()


class ScheduleForm(FlaskForm):
    date = DateField(
        _l("Date"),
        validators=[sane_date, InputRequired(_l("Choose the date the family agreed to."))],
    )
    start_time = TimeField(_l("Start time"), validators=[InputRequired(_l("Choose a start time."))])
    mode = RadioField(
        _l("Where"),
        choices=[SelectChoice(m.value, label) for m, label in MODES.items()],
        default=VisitMode.HOME.value,
        validators=[InputRequired(_l("Choose where the visit happens."))],
    )
    place = StringField(
        _l("Address or link"),
        validators=[Length(max=300, message=_l("Keep this under 300 characters."))],
        description=_l(
            "For a neutral place its address (library, park, café — not the school); "
            "for a video visit the link. Leave empty for the family's home."
        ),
    )

    def validate_place(self, field) -> None:
        if (
            self.mode.data in (VisitMode.NEUTRAL.value, VisitMode.VIDEO.value)
            and not (field.data or "").strip()
        ):
            if self.mode.data == VisitMode.NEUTRAL.value:
                raise ValidationError(_("Enter the address of the place."))
            raise ValidationError(_("Enter the video link."))

    # Made by the phone's script: the same time sent again (a retry) is stored once.
    client_id = HiddenField()

    def chosen(self, visit: Visit) -> tuple[datetime, VisitMode, str | None]:
        """The start (in the school's time zone), the kind of place and the place chosen; a
        home visit with no address given is at the family's address."""
        start = datetime.combine(
            self.date.data, self.start_time.data, ZoneInfo(visit.school.timezone)
        )
        mode = VisitMode(self.mode.data)
        place = (self.place.data or "").strip() or (
            visit.family.address if visit.family and mode == VisitMode.HOME else None
        )
        return start, mode, place


class ReasonForm(FlaskForm):
    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Say briefly why, for your partner and the coordinator.")),
            Length(max=500, message=_l("Keep the reason under 500 characters.")),
        ],
    )


class FollowUpEntry(Form):
    """One commitment: what, who, by when. A row left empty is ignored."""

    text = StringField(
        _l("Follow-up"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Keep the follow-up under 500 characters.")),
        ],
    )
    owner_id = SelectField(_l("Who"), coerce=int, validate_choice=False)
    due_on = DateField(_l("By when"), validators=[sane_date, Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if (self.text.data or "").strip() and self.due_on.data is None:
            # Checked here, not by a field validator: Optional() ends the due date's own chain.
            self.due_on.errors = [*self.due_on.errors, _("Choose a date for this follow-up.")]
            return False
        return valid


def _minutes():
    return IntegerField(
        _l("How long was the visit? (minutes)"),
        validators=[
            InputRequired(_l("Enter how many minutes the visit lasted.")),
            plausible_number,
            NumberRange(5, 300, _l("Enter the minutes the visit lasted, between 5 and 300.")),
        ],
    )


def _text(label, required=None, description=None):
    validators = [Length(max=LONG_TEXT, message=_l("Please keep this under 5,000 characters."))]
    validators.insert(0, DataRequired(required) if required else Optional())
    return TextAreaField(label, validators=validators, description=description)


# What happens to the team's private note, said where it is written and where it is corrected.
PRIVATE_NOTE_HELP = _l(
    "Seen only by the visit's team (the two or three of you), on the visit page. Not shared "
    "with the school or put on the relationship card; its words are in no report or export "
    "and never shown to the district's admin. Deleted with the family's data if the family "
    "asks. The team can correct it for %(days)d days after the reflection is saved.",
    days=rules.PRIVATE_NOTE_CORRECTION.days,
)


class PrivateNoteForm(FlaskForm):
    """The team corrects its private note; left empty, the note is removed."""

    text = _text(_l("Private note for the team"), description=PRIVATE_NOTE_HELP)


class ReflectionForm(SafeListForm):
    duration_minutes = _minutes()
    follow_ups = FieldList(FormField(FollowUpEntry), min_entries=1, max_entries=10)
    private_note = _text(_l("Private note for the team"), description=PRIVATE_NOTE_HELP)

    client_id = HiddenField()  # made by the phone's script, as on the contact form

    SHARED: tuple[str, ...] = ()

    def shared_data(self) -> dict[str, str | None]:
        return {name: (getattr(self, name).data or "").strip() or None for name in self.SHARED}


class FirstVisitReflectionForm(ReflectionForm):
    hopes_and_dreams = _text(
        _l("Their hopes and dreams for the child"),
        required=_l("Write what the family hopes for their child: the heart of a first visit."),
    )
    strengths = _text(_l("The family's strengths and knowledge"))
    want_school_to_know = _text(_l("What they want the school to know"))
    best_way_to_reach = _text(
        _l("Best way and time to reach them"),
        description=_l("E.g. “text in Spanish after 6 pm”."),
    )
    SHARED = ("hopes_and_dreams", "strengths", "want_school_to_know", "best_way_to_reach")


class SecondVisitReflectionForm(ReflectionForm):
    academic_focus = _text(
        _l("The academic focus you agreed on"),
        required=_l("Write the academic focus you agreed on with the family."),
    )
    family_support = _text(_l("How the family will support it"))
    best_way_to_reach = _text(_l("Best way and time to reach them"))
    SHARED = ("academic_focus", "family_support", "best_way_to_reach")


# Sent with a draft by the page or the phone, but not part of what was typed.
NOT_DRAFTED = ("csrf_token", "add_follow_up", "client_id", "written_at")


def draft_data(formdata: MultiDict) -> dict[str, str]:
    """What a draft keeps of the reflection form's fields: the text typed so far."""
    return {k: v for k, v in clean_formdata(formdata).items() if k not in NOT_DRAFTED}
