"""The coordinator's forms for the roster: filters, families with their guardians, students.

Phone numbers are parsed here, where the person typed them, so that a wrong one is refused next
to its field; services receive E.164 numbers and lower-cased emails only.
"""

from __future__ import annotations

import enum
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    StringField,
    TelField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from fieldapp import phones
from fieldapp.families.services import (
    FamilyDetails,
    GuardianContact,
    GuardianDetails,
    StudentDetails,
    household_name,
)
from fieldapp.fields import SafeListForm, SelectField, parse_id
from fieldapp.formatting import CONTACT_METHODS, LANGUAGES
from fieldapp.grades import GRADES, lazy_grade_label
from fieldapp.i18n import family_label
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.models import ContactMethod
from fieldapp.phones import PHONE_REGION

MAX_GUARDIANS = 4
PHONE_MESSAGE = _l("Enter a phone number like (510) 555-0123")


def to_e164(text: str, region: str = PHONE_REGION) -> str:
    """A typed phone number as E.164 ("+15105550123"); ValueError with the form's message when
    it is not a real one (fieldapp.phones)."""
    try:
        return phones.to_e164(text, region)
    except phones.NotAPhoneNumber as exc:
        raise ValueError(PHONE_MESSAGE) from exc


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    number = parse_id(str(value))
    if number is None:
        raise ValueError("not an id")
    return number


def _value_of(value: Any) -> str:
    """An enum member as its value (the model's data), a submitted string as it is."""
    if isinstance(value, enum.Enum):
        return value.value
    return "" if value is None else str(value)


def _grade_choices(prompt: str) -> list[SelectChoice]:
    return [SelectChoice("", prompt)] + [SelectChoice(g, lazy_grade_label(g)) for g in GRADES]


# The roster's filter value for families whose home language is not known (None).
UNKNOWN_LANGUAGE = "unknown"


def _language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in LANGUAGES.items()]


# ---- the roster's filters -------------------------------------------------------------------


class RosterFilterForm(Form):
    """The roster's GET form. A value that is not one of the choices (a stale link) is dropped
    and said so next to its field, rather than failing the page."""

    q = StringField(_l("Search by student or family name"), validators=[Length(max=100)])
    grade = SelectField(_l("Grade"), choices=_grade_choices(_l("All grades")), default="")
    class_id = SelectField(_l("Class"), coerce=_optional_int)
    language = SelectField(
        _l("Home language"),
        choices=[
            SelectChoice("", _l("All languages")),
            SelectChoice(UNKNOWN_LANGUAGE, _l("Not known")),
            *_language_choices(),
        ],
        default="",
    )
    visited = SelectField(
        _l("Visited this round"),
        choices=[
            SelectChoice("", _l("Everyone")),
            SelectChoice("yes", _l("Visited")),
            SelectChoice("no", _l("Not visited yet")),
        ],
        default="",
    )

    round = SelectField(_l("Round"), coerce=_optional_int)
    sort = SelectField(
        _l("Sort by"),
        choices=[
            SelectChoice("name", _l("Student name")),
            SelectChoice("family", _l("Family")),
            SelectChoice("grade", _l("Grade")),
            SelectChoice("student_id", _l("Student id")),
        ],
        default="name",
    )

    FILTERS = ("q", "grade", "class_id", "language", "visited")
    VIEW = ("round", "sort")  # what the rows show and in which order: not a filter

    def set_rounds(self, rounds, default) -> None:
        """The rounds "visited" can be about; none chosen: ``default``."""
        self.round.choices = [SelectChoice(str(r.id), r.name) for r in rounds]
        if self.round.data is None and default is not None:
            self.round.data = default.id

    def set_classes(self, classes) -> None:
        self.class_id.choices = [SelectChoice("", _("All classes"))] + [
            SelectChoice(str(c.id), c.name) for c in classes
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in (*self.FILTERS, *self.VIEW):
            field = getattr(self, name)
            if field.errors:
                field.data = None
                field.errors = [_("That choice is no longer available; showing everyone.")]
        return valid

    def criteria(self) -> dict[str, Any]:
        """The filters as ``queries.roster`` takes them."""
        return {
            "search": self.q.data or "",
            "grade": self.grade.data or None,
            "class_id": self.class_id.data,
            "language": self.language.data or None,
            "visited": {"yes": True, "no": False}.get(self.visited.data or ""),
            "sort": self.sort.data or "name",
        }

    def applied(self) -> dict[str, Any]:
        """The filters in use, as URL arguments: page links keep them."""
        return {n: getattr(self, n).data for n in self.FILTERS if getattr(self, n).data}

    def kept(self) -> dict[str, Any]:
        """The filters and the view chosen, as URL arguments for page and CSV links."""
        view = {n: getattr(self, n).data for n in self.VIEW if getattr(self, n).data}
        return {**self.applied(), **view}


# ---- families -------------------------------------------------------------------------------


class GuardianEntry(Form):
    """One guardian. A row left empty is ignored; an existing guardian emptied is removed."""

    id = HiddenField()
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    relationship_to_student = StringField(
        _l("Relationship to the student"),
        validators=[Optional(), Length(max=50)],
        description=_l("E.g. mother, grandfather, aunt."),
    )
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(
        _l("Email"),
        validators=[
            Optional(),
            Length(max=254),
            Email(_l("Enter an email address like name@example.com.")),
        ],
    )

    def validate_phone(self, field) -> None:
        try:
            to_e164(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def is_blank(self) -> bool:
        typed = (self.name, self.relationship_to_student, self.phone, self.email)
        return not any(_clean(f.data) for f in typed)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.is_blank() and not _clean(self.name.data):
            self.name.errors = [*self.name.errors, _("Enter the guardian's name.")]
            return False
        return valid

    def details(self) -> GuardianDetails:
        phone = _clean(self.phone.data)
        email = _clean(self.email.data)
        return GuardianDetails(
            id=parse_id(self.id.data),
            name=self.name.data.strip(),
            relationship_to_student=_clean(self.relationship_to_student.data),
            phone=to_e164(phone) if phone else None,
            email=email.lower() if email else None,
        )


class FirstStudentEntry(Form):
    """A new family comes with the student it is added for: a family with no student at the
    school would be nobody's to see or edit."""

    first_name = StringField(
        _l("First name"),
        validators=[DataRequired(_l("Enter the student's first name.")), Length(max=100)],
    )
    last_name = StringField(
        _l("Last name"),
        validators=[DataRequired(_l("Enter the student's last name.")), Length(max=100)],
    )
    grade = SelectField(
        _l("Grade"),
        choices=_grade_choices(_l("Choose a grade")),
        validators=[DataRequired(_l("Choose the student's grade."))],
    )
    class_id = SelectField(_l("Class"), coerce=_optional_int)
    sis_id = StringField(
        _l("Student id in the school's system (optional)"),
        validators=[Optional(), Length(max=64)],
    )

    def details(self) -> StudentDetails:
        return StudentDetails(
            first_name=self.first_name.data.strip(),
            last_name=self.last_name.data.strip(),
            grade=self.grade.data,
            sis_id=_clean(self.sis_id.data),
        )


class FamilyForm(SafeListForm):
    name = StringField(
        _l("Family name (surname)"),
        validators=[DataRequired(_l("Enter the family's name.")), Length(max=200)],
        description=_l(
            "The name alone, as the family writes it, e.g. “Nguyen” or “Martínez García”: "
            "the app says “Nguyen family” or “Familia Nguyen” in each reader's language."
        ),
    )
    address_line1 = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    address_line2 = StringField(
        _l("Apartment, unit (optional)"), validators=[Optional(), Length(max=200)]
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    postal_code = StringField(_l("ZIP code"), validators=[Optional(), Length(max=20)])
    home_language = SelectField(
        _l("Home language"),
        choices=[SelectChoice("", _l("Not known")), *_language_choices()],
        default="en",
        description=_l("“Not known”: nobody is messaged in a guessed language."),
    )
    interpreter_needed = BooleanField(_l("An interpreter is needed"))
    preferred_contact_method = SelectField(
        _l("Preferred way to reach them"),
        coerce=_value_of,
        choices=[
            SelectChoice("", _l("Not known yet")),
            *(SelectChoice(m.value, label) for m, label in CONTACT_METHODS.items()),
        ],
    )
    preferred_contact_times = StringField(
        _l("Best times to reach them"),
        validators=[Optional(), Length(max=200)],
        description=_l("E.g. “weekdays after 6 pm”."),
    )
    guardians = FieldList(FormField(GuardianEntry), min_entries=1, max_entries=MAX_GUARDIANS)
    do_not_contact = BooleanField(_l("The family asked not to be contacted"))
    do_not_contact_reason = StringField(
        _l("What the family asked"),
        validators=[Length(max=500, message=_l("Keep the reason under 500 characters."))],
        description=_l(
            "Checking the box closes the family's open visits, and nobody contacts "
            "them again. Uncheck it only when the family asks to be contacted again."
        ),
    )

    def validate_name(self, field) -> None:
        if field.data and field.data.strip() and not household_name(field.data):
            raise ValidationError(_("Enter the family's name, e.g. “Nguyen”."))

    def validate_do_not_contact_reason(self, field) -> None:
        if self.do_not_contact.data and not _clean(field.data):
            raise ValidationError(
                _("Write what the family asked, e.g. “asked by phone not to be visited”.")
            )

    def validate(self, extra_validators=None) -> bool:
        """Besides each field: at least one guardian the school can reach."""
        valid = super().validate(extra_validators)
        filled = [e.form for e in self.guardians if not e.form.is_blank()]
        named = [g for g in filled if _clean(g.name.data)]
        if any(_clean(g.phone.data) or _clean(g.email.data) for g in named):
            return valid
        if named:
            field, message = named[0].phone, _("Enter a phone number or email for a guardian.")
        elif filled:
            return False  # each row already says its name is missing
        else:
            field = self.guardians[0].form.name
            message = _("Enter at least one guardian: a name and a phone number or email.")
        field.errors = [*field.errors, message]
        return False

    def keep_language(self, code: str | None) -> None:
        """A language a roster import brought that is not in the list stays choosable."""
        if code and code not in LANGUAGES:
            self.home_language.choices = [*self.home_language.choices, SelectChoice(code, code)]

    def add_guardian_row(self) -> None:
        if len(self.guardians) < MAX_GUARDIANS:
            self.guardians.append_entry()

    def show_stored_phones(self, format_phone) -> None:
        for entry in self.guardians:
            entry.form.phone.data = format_phone(entry.form.phone.data)

    def details(self) -> FamilyDetails:
        method = self.preferred_contact_method.data
        return FamilyDetails(
            name=household_name(self.name.data),
            address_line1=_clean(self.address_line1.data),
            address_line2=_clean(self.address_line2.data),
            city=_clean(self.city.data),
            postal_code=_clean(self.postal_code.data),
            home_language=self.home_language.data or None,
            interpreter_needed=bool(self.interpreter_needed.data),
            preferred_contact_method=ContactMethod(method) if method else None,
            preferred_contact_times=_clean(self.preferred_contact_times.data),
            do_not_contact=bool(self.do_not_contact.data),
            do_not_contact_reason=_clean(self.do_not_contact_reason.data),
            guardians=[e.form.details() for e in self.guardians if not e.form.is_blank()],
        )


class NewFamilyForm(FamilyForm):
    student = FormField(FirstStudentEntry)

    def set_classes(self, classes) -> None:
        self.student.form.class_id.choices = _class_choices(classes)


# ---- students -------------------------------------------------------------------------------


def _family_label(family) -> str:
    """Two households can share a name: their children tell them apart."""
    children = ", ".join(s.first_name for s in family.students if s.active)
    label = family_label(family.name)
    return f"{label} ({children})" if children else label


def _class_choices(classes) -> list[SelectChoice]:
    return [SelectChoice("", _("No class"))] + [SelectChoice(str(c.id), c.name) for c in classes]


class HomeLanguageForm(FlaskForm):
    """Setting a family's home language in one step (from the list of those not known)."""

    home_language = SelectField(
        _l("Home language"),
        choices=[SelectChoice("", _l("Choose the language")), *_language_choices()],
        validators=[DataRequired(_l("Choose the family's language."))],
    )


class StudentForm(FlaskForm):
    first_name = FirstStudentEntry.first_name
    last_name = FirstStudentEntry.last_name
    grade = FirstStudentEntry.grade
    class_id = SelectField(_l("Class"), coerce=_optional_int)
    sis_id = FirstStudentEntry.sis_id
    family_id = SelectField(
        _l("Family"),
        coerce=_optional_int,
        description=_l("One of the families of this school."),
    )
    family_contact = StringField(
        _l("Or find the family by a guardian's phone or email"),
        validators=[Optional(), Length(max=254)],
        description=_l(
            "For a brother or sister at another school: the family is found by the "
            "exact phone number or email of one of its guardians. Leave empty to use the family "
            "chosen above."
        ),
    )

    def set_choices(self, classes, families) -> None:
        self.class_id.choices = _class_choices(classes)
        self.family_id.choices = [SelectChoice("", _("Choose a family"))] + [
            SelectChoice(str(f.id), _family_label(f)) for f in families
        ]

    def validate_family_contact(self, field) -> None:
        text = _clean(field.data)
        if text is None:
            return
        if "@" in text:
            try:
                Email()(self, field)
            except ValidationError as exc:
                raise ValidationError(_("Enter an email address like name@example.com.")) from exc
            return
        try:
            to_e164(text)
        except ValueError as exc:
            raise ValidationError(
                _("Enter a phone number like (510) 555-0123, or an email address.")
            ) from exc

    def validate_family_id(self, field) -> None:
        if field.data is None and not _clean(self.family_contact.data):
            raise ValidationError(
                _("Choose the student's family, or find it by a guardian's phone or email.")
            )

    def guardian_contact(self) -> GuardianContact | None:
        """What to look the family up by, when the coordinator typed a phone or email."""
        text = _clean(self.family_contact.data)
        if text is None:
            return None
        if "@" in text:
            return GuardianContact(email=text.lower())
        return GuardianContact(phone=to_e164(text))

    def details(self) -> StudentDetails:
        return StudentDetails(
            first_name=self.first_name.data.strip(),
            last_name=self.last_name.data.strip(),
            grade=self.grade.data,
            sis_id=_clean(self.sis_id.data),
            active=bool(self.active.data) if "active" in self else True,
        )


class EditStudentForm(StudentForm):
    active = BooleanField(
        _l("Still at this school"),
        description=_l(
            "Uncheck when the student has left: they leave the roster, their visits "
            "and the family's card stay."
        ),
    )
