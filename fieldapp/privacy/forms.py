"""The admin's privacy forms: audit filters, family search, erasure, retention."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import DateField, Form, IntegerField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from fieldapp.families.forms import to_e164
from fieldapp.fields import SelectField, plausible_number, sane_date
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class AuditFilterForm(Form):
    """The audit trail's GET form. Dates are days in the district's time zone, both included."""

    action = StringField(
        _l("Action starts with"),
        filters=[_strip],
        validators=[Length(max=60, message=_l("Keep it under 60 characters."))],
        description=_l("e.g. “family.” or “auth.login”"),
    )
    actor = StringField(
        _l("Person (email)"),
        filters=[_strip],
        validators=[Length(max=254, message=_l("Keep it under 254 characters."))],
    )
    object_type = StringField(
        _l("Object type"),
        filters=[_strip],
        validators=[Length(max=40, message=_l("Keep it under 40 characters."))],
        description=_l("e.g. family, visit, user"),
    )
    object_id = IntegerField(_l("Object id"), validators=[Optional(), plausible_number])
    start = DateField(_l("From"), validators=[sane_date, Optional()])
    end = DateField(_l("To"), validators=[sane_date, Optional()])
    success = SelectField(
        _l("Outcome"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("yes", _l("Succeeded")),
            SelectChoice("no", _l("Refused or failed")),
        ],
        default="",
    )

    FILTERS = ("action", "actor", "object_type", "object_id", "start", "end", "success")

    def validate(self, extra_validators=None) -> bool:
        """A bad value (a stale link, a typo in a date) is dropped and said so beside its field,
        rather than failing the page."""
        valid = super().validate(extra_validators)
        for name in self.FILTERS:
            field = getattr(self, name)
            if field.errors:
                field.data = None
                field.errors = [_("Not understood; this filter is ignored.")]
        if self.start.data and self.end.data and self.end.data < self.start.data:
            self.end.errors = [_("“To” is before “From”; it is ignored.")]
            self.end.data = None
            valid = False
        return valid

    def criteria(self, tz: ZoneInfo) -> dict:
        """Keyword arguments for ``queries.audit_events``."""
        return {
            "action": self.action.data or None,
            "actor": self.actor.data or None,
            "object_type": (self.object_type.data or "").lower() or None,
            "object_id": self.object_id.data,
            "since": _start_of(self.start.data, tz),
            "before": _start_of(self.end.data + timedelta(days=1), tz) if self.end.data else None,
            "success": {"yes": True, "no": False}.get(self.success.data or ""),
        }

    def applied(self) -> dict[str, str]:
        """The filters in use, as query-string values for links (pages, CSV)."""
        values = {}
        for name in self.FILTERS:
            value = getattr(self, name).data
            if value not in (None, ""):
                values[name] = value.isoformat() if isinstance(value, date) else str(value)
        return values


def _start_of(day: date | None, tz: ZoneInfo) -> datetime | None:
    return datetime.combine(day, time.min, tz) if day else None


class FamilySearchForm(Form):
    q = StringField(
        _l("Family name, guardian name, phone or email"),
        filters=[_strip],
        validators=[Length(max=100, message=_l("Keep the search under 100 characters."))],
    )

    def phone(self) -> str | None:
        """The search as an E.164 phone number, when it is one."""
        term = self.q.data or ""
        if sum(c.isdigit() for c in term) < 7:
            return None
        try:
            return to_e164(term)
        except ValueError:
            return None


class EraseForm(FlaskForm):
    reason = StringField(
        _l("Reason"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Say why the record is erased, e.g. “the family’s written request”.")),
            Length(max=300, message=_l("Keep the reason under 300 characters.")),
        ],
        description=_l("Kept in the audit trail. Write no names or other personal details here."),
    )
    confirm_name = StringField(_l("Type the family’s name to confirm"), filters=[_strip])

    def __init__(self, *args, family_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.family_name = family_name

    def validate_confirm_name(self, field) -> None:
        typed = " ".join((field.data or "").split()).casefold()
        if typed != " ".join(self.family_name.split()).casefold():
            raise ValidationError(
                _("Type “%(name)s” exactly, to confirm the family.", name=self.family_name)
            )


class RetentionForm(FlaskForm):
    reflection_retention_years = IntegerField(
        _l("Keep reflections for (years)"),
        validators=[
            Optional(),
            plausible_number,
            NumberRange(1, 100, _l("Enter between 1 and 100 years.")),
        ],
        description=_l(
            "Older reflections, with their private notes, are deleted by the purge. "
            "Leave empty to keep them for ever."
        ),
    )
    attendance_retention_years = IntegerField(
        _l("Keep students’ attendance for (school years before this one)"),
        validators=[
            Optional(),
            plausible_number,
            NumberRange(1, 100, _l("Enter between 1 and 100 school years.")),
        ],
        description=_l(
            "The current school year is always kept. With 2, the two school years before it "
            "are kept too, and older months are deleted by the purge. Leave empty to keep "
            "them for ever."
        ),
    )
    audit_retention_days = IntegerField(
        _l("Keep the audit trail for (days)"),
        validators=[
            Optional(),
            plausible_number,
            NumberRange(90, 36500, _l("Enter between 90 and 36,500 days.")),
        ],
        description=_l(
            "Older audit events are deleted by the purge. At least 90 days, so that a "
            "slip cannot wipe the recent trail. Leave empty to keep it for ever."
        ),
    )
