"""The emails of signing in: a link to choose a password, as an invitation for someone who has
never signed in or as a reset. No password ever travels by email."""

from __future__ import annotations

from fieldapp.i18n import gettext as _
from fieldapp.models import User

INVITATION = "invitation"
RESET = "reset"
KINDS = (INVITATION, RESET)


def sign_in_link(user: User, link: str, kind: str) -> tuple[str, str]:
    """The subject and body, in the language active where this is called."""
    if kind == INVITATION:
        return _("Your fieldapp account"), _(
            "Hello %(name)s,\n\nAn account on fieldapp, the home visits app, is ready for you "
            "(%(email)s). To choose your password and sign in, open this link within 7 days:"
            "\n\n%(link)s\n\nIf you did not expect it, ignore this message.\n",
            name=user.first_name,
            email=user.email,
            link=link,
        )
    return _("Reset your fieldapp password"), _(
        "Hello %(name)s,\n\nTo choose a new password, open this link within an "
        "hour:\n\n%(link)s\n\nIf you did not ask for it, ignore this message: "
        "your password stays as it is.\n",
        name=user.first_name,
        link=link,
    )
