"""Rule 1: voluntary, arranged in advance. A family that asked not to be contacted is not."""

from __future__ import annotations

from fieldapp.i18n import gettext as _
from fieldapp.models import Family
from fieldapp.rules.violation import RuleViolation


def check_may_contact(family: Family | None) -> None:
    if family is not None and family.do_not_contact:
        raise RuleViolation(_("This family asked not to be contacted. Their wish is kept."))


def check_new_visit(family: Family) -> None:
    """A family that asked not to be contacted gets no new visits."""
    check_may_contact(family)
