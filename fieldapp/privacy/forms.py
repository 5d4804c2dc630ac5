"""The admin's privacy forms: audit filters, family search, erasure, retention."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import DateField, Form, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from fieldapp.families.forms import to_e164
from fieldapp.fields import plausible_number, sane_date


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class AuditFilterForm(Form):
    """The audit trail's GET form. Dates are days in the district's time zone, both included."""

    action = StringField(
        "Action starts with",
        filters=[_strip],
        validators=[Length(max=60)],
        description="e.g. “family.” or “auth.login”",
    )
    actor = StringField("Person (email)", filters=[_strip], validators=[Length(max=254)])
    object_type = StringField(
        "Object type",
        filters=[_strip],
        validators=[Length(max=40)],
        description="e.g. family, visit, user",
    )
    object_id = IntegerField("Object id", validators=[Optional(), plausible_number])
    start = DateField("From", validators=[sane_date, Optional()])
    end = DateField("To", validators=[sane_date, Optional()])
    success = SelectField(
        "Outcome",
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("yes", "Succeeded"),
            SelectChoice("no", "Refused or failed"),
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
                field.errors = ["Not understood; this filter is ignored."]
        if self.start.data and self.end.data and self.end.data < self.start.data:
            self.end.errors = ["“To” is before “From”; it is ignored."]
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
        "Family name, guardian name, phone or email",
        filters=[_strip],
        validators=[Length(max=100)],
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
        "Reason",
        filters=[_strip],
        validators=[
            DataRequired("Say why the record is erased, e.g. “the family’s written request”."),
            Length(max=300, message="Keep the reason under 300 characters."),
        ],
        description="Kept in the audit trail. Write no names or other personal details here.",
    )
    confirm_name = StringField("Type the family’s name to confirm", filters=[_strip])

    def __init__(self, *args, family_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.family_name = family_name

    def validate_confirm_name(self, field) -> None:
        typed = " ".join((field.data or "").split()).casefold()
        if typed != " ".join(self.family_name.split()).casefold():
            raise ValidationError(f"Type “{self.family_name}” exactly, to confirm the family.")


class RetentionForm(FlaskForm):
    reflection_retention_years = IntegerField(
        "Keep reflections for (years)",
        validators=[
            Optional(),
            plausible_number,
            NumberRange(1, 100, "Enter between 1 and 100 years."),
        ],
        description="Older reflections, with their private notes, are deleted by the purge. "
        "Leave empty to keep them for ever.",
    )
    audit_retention_days = IntegerField(
        "Keep the audit trail for (days)",
        validators=[
            Optional(),
            plausible_number,
            NumberRange(90, 36500, "Enter between 90 and 36,500 days."),
        ],
        description="Older audit events are deleted by the purge. At least 90 days, so that a "
        "slip cannot wipe the recent trail. Leave empty to keep it for ever.",
    )
