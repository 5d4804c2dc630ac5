from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from fieldapp.fields import SelectField
from fieldapp.i18n import lazy_gettext as _l


class NewTokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            InputRequired(message=_l("Give the token a name.")),
            Length(max=100, message=_l("Keep the name to %(max)d characters at most.")),
        ],
        description=_l("What will use it, e.g. “SIS nightly sync”."),
    )
    school_id = SelectField(
        _l("School"),
        coerce=int,
        validate_choice=True,
        validators=[InputRequired(message=_l("Choose the school."))],
    )
