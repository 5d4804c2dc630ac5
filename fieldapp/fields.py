"""Form fields, validators and input guards shared by every feature (the ground floor).

Hostile input must end in a clear 4xx, never a 500: ids beyond what the database stores, digits
that are not ASCII ("²".isdigit() is True), dates past what a datetime holds, decimals that are
NaN. Every raw value a view reads goes through here."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from flask import Response, stream_with_context
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.datastructures import ImmutableMultiDict, MultiDict, iter_multi_items
from werkzeug.routing import IntegerConverter
from wtforms import SelectField as WTFormsSelectField
from wtforms import SelectMultipleField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, Select
from wtforms.widgets.core import clean_key

from fieldapp.i18n import gettext as _

MAX_ID = 2**31 - 1  # the largest id our INTEGER keys hold on PostgreSQL (int4); SQLite holds more
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


QUOTE, ESCAPED_QUOTE = Markup('"'), Markup("&quot;")  # a quote left in markup given as a value


def attributes(**kwargs) -> Markup:
    """WTForms' ``html_params``, written without ``Markup.format`` (a string formatter per
    attribute: two attributes cost more than a short list's options): the same text."""
    params = []
    for given, value in sorted(kwargs.items()):
        key = escape(clean_key(given))
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{escape(value).replace(QUOTE, ESCAPED_QUOTE)}"')
    return Markup(" ".join(params))


def field_attributes(f, autocomplete=None, inputmode=None, autofocus=False) -> dict:
    """What the ``field`` macro (templates/macros/forms.html) gives a field's input: its help
    and error described, its error said, the browser's hints, and "required"."""
    described = [f"{f.id}-help"] if f.description else []
    if f.errors:
        described.append(f"{f.id}-error")
    attrs: dict = {"aria-describedby": " ".join(described)} if described else {}
    if f.errors:
        attrs["aria-invalid"] = "true"
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    if inputmode:
        attrs["inputmode"] = inputmode
    if autofocus:
        attrs["autofocus"] = True
    if f.flags.required:
        attrs["required"] = True
    return attrs


class _Select(Select):
    """WTForms' select, each plain option written directly: ``<option selected value="3">…``,
    the markup WTForms writes (its attributes sorted by name, the value and label escaped).
    WTForms builds each option through ``html_params`` and ``Markup.format``: a filter form's
    lists (classes, languages, grades) were a fifth of the roster page. An option with
    attributes of its own still goes through WTForms."""

    def __call__(self, field, **kwargs):
        if self.multiple or field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        # The flags WTForms would copy ("required", "disabled"): it looks them up in ``dir()``
        # of the field's flags, which costs more than the rest of a short list.
        flags = vars(field.flags)
        for name in self.validation_attrs:
            if name in flags and name not in kwargs:
                kwargs[name] = flags[name]
        html = [f"<select {attributes(name=field.name, **kwargs)}>"]
        html.extend(map(self.render_option, field._iter_choices_normalized()))
        html.append("</select>")
        return Markup("".join(html))

    @classmethod
    def _dispatch_render_option(cls):
        return cls.render_option  # WTForms reads its signature on every list, to pick a style

    @classmethod
    def render_option(cls, choice, **kwargs):
        if choice.render_kw or kwargs:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        label = choice.label
        if isinstance(label, LazyString):
            label = Markup(label)  # translated once (escape() takes it as markup too)
        label = escape(label or value)
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')


class SelectField(WTFormsSelectField):
    """The app's select list: WTForms' own, written faster (``_Select``)."""

    widget = _Select()


class NulFreeMultiDict(ImmutableMultiDict):
    """Form and query values without NUL characters: they mean nothing in text, and PostgreSQL
    refuses to store them (a 500 there, while SQLite would keep them)."""

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [
                (k.replace("\x00", ""), v.replace("\x00", "") if isinstance(v, str) else v)
                for k, v in iter_multi_items(mapping)
            ]
        super().__init__(mapping)


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes: large targets on a phone or tablet, no multi-select box to fight."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class IdConverter(IntegerConverter):
    """The ``int`` of our URLs: a positive id the database can hold; anything else is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(value: object) -> int | None:
    """An id from a form or query string, or None when it is not a plausible id."""
    if not isinstance(value, str) or not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def parse_ids(values: Iterable[str], limit: int = 500) -> list[int]:
    ids = [i for i in (parse_id(v) for v in values) if i is not None]
    return list(dict.fromkeys(ids))[:limit]


def clean_formdata(formdata: MultiDict) -> MultiDict:
    """Drop keys whose list index is not plain ASCII digits ("follow_ups-²-text"): WTForms'
    FieldList would take them for an index and fail on them."""
    kept = MultiDict()
    for key, value in formdata.items(multi=True):
        parts = key.split("-")
        if all(not p.isdigit() or _ASCII_DIGITS.fullmatch(p) for p in parts):
            kept.add(key, value)
    return kept


class SafeListForm(FlaskForm):
    """A form with a FieldList: keys with odd list indexes are dropped before WTForms sees them."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            data = FlaskForm.Meta.wrap_formdata(self, form, formdata)
            return None if data is None else clean_formdata(data)


def sane_date(form, field) -> None:
    """A date a person could mean: between 1900 and 2100 (and so safely turned into UTC)."""
    if isinstance(field.data, date) and not 1900 <= field.data.year <= 2100:
        raise ValidationError(_("Enter a date between 1900 and 2100."))


def finite(form, field) -> None:
    """A number, not NaN or infinity (a Decimal NaN would break every comparison after it)."""
    if isinstance(field.data, Decimal) and not field.data.is_finite():
        raise StopValidation(_("Enter a number."))  # stop: later validators would compare it


def plausible_number(form, field) -> None:
    """Stop before range checks on a number no form means (WTForms turns it into a float)."""
    if isinstance(field.data, int) and abs(field.data) > 10**12:
        raise StopValidation(_("Enter a smaller number."))


def csv_cell(value: object) -> str:
    """A cell that a spreadsheet shows as text: never run as a formula (=, +, -, @, tab, CR).
    Data, not words: a date in ISO 8601, a yes/no as 1/0."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_chunks(
    header: list[str], rows: Iterable[Iterable[object]], size: int = 32_768
) -> Iterator[str]:
    """The CSV text in pieces of about ``size`` characters, every cell through ``csv_cell``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        if out.tell() >= size:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def csv_response(
    header: list[str], rows: Iterable[Iterable[object]], filename: str, *, stream: bool = False
) -> Response:
    """Every CSV the app serves, written here and nowhere else (listed in docs/csv.md).

    UTF-8 with a byte order mark, so that Excel shows "César Chávez" as written and scripts read
    it as UTF-8 (``utf-8-sig``). ``header``: machine names (snake_case English, never translated:
    a payroll script reads the file by them, whoever downloaded it). ``stream``: sent as it is
    read from the database (a whole school never sits in memory); a stream must not hold a
    cursor open past the request, so a query still being read is passed whole instead."""
    body = itertools.chain(["\ufeff"], csv_chunks(header, rows))
    return Response(
        stream_with_context(body) if stream else "".join(body),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
