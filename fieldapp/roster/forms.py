"""The upload form: the file, the school it is for, and the dry run (on unless unticked)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField


class UploadForm(FlaskForm):
    file = FileField(
        "Roster file",
        validators=[FileRequired("Choose the OneRoster zip or the CSV template file.")],
        description="A OneRoster 1.1 or 1.2 CSV zip, or the roster template saved as CSV.",
    )
    school_id = SelectField("Import into", coerce=int)
    dry_run = BooleanField("Dry run: show what would change, change nothing yet", default=True)
