"""The upload form: the file, the school it is for, and the dry run (on unless unticked)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from fieldapp.fields import SelectField
from fieldapp.i18n import lazy_gettext as _l


class UploadForm(FlaskForm):
    file = FileField(
        _l("Roster file"),
        validators=[FileRequired(message=_l("Choose the OneRoster zip or the CSV template file."))],
        description=_l("A OneRoster 1.1 or 1.2 CSV zip, or the roster template saved as CSV."),
    )
    school_id = SelectField(_l("Import into"), coerce=int)
    dry_run = BooleanField(_l("Dry run: show what would change, change nothing yet"), default=True)
