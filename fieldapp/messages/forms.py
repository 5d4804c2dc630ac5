from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from fieldapp.i18n import lazy_gettext as _l
from fieldapp.messages.services import MAX_LENGTH, normalize


class MessageTextForm(FlaskForm):
    body = TextAreaField(
        _l("Text of the message"),
        filters=[normalize],
        validators=[
            DataRequired(_l("Write the text, or reset it to the default.")),
            Length(
                max=MAX_LENGTH,
                message=_l(
                    "Keep it to %(max)d characters at most (a text message gets long): "
                    "it has %(length)d."
                ),
            ),
        ],
    )
    keep_unknown = BooleanField(_l("Keep the braces as written"))
