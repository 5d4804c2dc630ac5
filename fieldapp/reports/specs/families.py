"""Families by home language, and whether they need an interpreter."""

from __future__ import annotations

from collections import defaultdict

from fieldapp.extensions import db
from fieldapp.formatting import LANGUAGES
from fieldapp.i18n import gettext as _
from fieldapp.i18n import ngettext
from fieldapp.reports import queries
from fieldapp.reports.charts import Chart, Series
from fieldapp.reports.formats import num
from fieldapp.reports.queries import Scope


def counts(scope: Scope) -> dict[str, list[int]]:
    """Per home language ("": not recorded), most families first: [interpreter needed, not]."""
    by_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for language, interpreter, n in db.session.execute(queries.families_by_language(scope)):
        by_language[language or ""][0 if interpreter else 1] += n
    order = sorted(by_language, key=lambda code: (-sum(by_language[code]), code))
    return {code: by_language[code] for code in order}


def language_name(code: str) -> str:
    return str(LANGUAGES.get(code, code or _("Not recorded")))


def summary(by_language: dict[str, list[int]]) -> str:
    families = sum(sum(v) for v in by_language.values())
    if not families:
        return _("No families in this report's filters.")
    text = ngettext(
        "%(count)s family; %(interpreter)s need an interpreter.",
        "%(count)s families; %(interpreter)s need an interpreter.",
        families,
        count=num(families),
        interpreter=num(sum(v[0] for v in by_language.values())),
    )
    others = [c for c in by_language if c not in ("en", "")]  # "": not known
    if not others:
        return text
    return (
        text
        + " "
        + _(
            "Most common home language other than English: %(language)s (%(num)s).",
            language=language_name(others[0]),
            num=num(sum(by_language[others[0]])),
        )
    )


def families_chart(scope: Scope) -> Chart:
    by_language = counts(scope)
    return Chart(
        key="families",
        title=_("Families by home language and interpreter need"),
        summary=summary(by_language),
        categories=[language_name(c) for c in by_language],
        series=[
            Series("interpreter", _("Interpreter needed")),
            Series("none", _("No interpreter")),
        ],
        values=list(by_language.values()),
        header=[_("Home language"), _("Interpreter needed"), _("No interpreter"), _("Families")],
        rows=[[language_name(c), *v, sum(v)] for c, v in by_language.items()],
        columns=[
            "home_language",
            "families_interpreter_needed",
            "families_no_interpreter",
            "families",
        ],
        data=[[c, *v, sum(v)] for c, v in by_language.items()],  # "" not recorded
        note=_("Families with a current student in the report's schools and grade."),
    )
