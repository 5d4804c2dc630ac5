"""The export's dates: a GET form (no CSRF: nothing changes)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import InputRequired

from fieldapp.fields import sane_date
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l


class ExportForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(
        _l("Visits from"),
        validators=[InputRequired(message=_l("Choose the first day.")), sane_date],
    )
    end = DateField(
        _l("Visits to"),
        validators=[InputRequired(message=_l("Choose the last day.")), sane_date],
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.end.data < self.start.data:
            self.end.errors.append(_("The end date is before the start date."))
            ok = False
        return ok
