"""The report's filters: query-string values (school, round, start, end, grade) turned into
what a report covers (a ``Scope``), with the form that shows them and the choices this person
has. A filtered report is a URL to bookmark and share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import abort
from wtforms import SelectChoice

from fieldapp.extensions import db
from fieldapp.fields import parse_id
from fieldapp.formatting import format_date
from fieldapp.grades import grade_label
from fieldapp.i18n import gettext as _
from fieldapp.models import Round, School, User
from fieldapp.reports import queries
from fieldapp.reports.forms import ReportFilterForm
from fieldapp.reports.queries import Scope
from fieldapp.rounds import queries as round_queries


@dataclass
class Filters:
    form: ReportFilterForm
    scope: Scope
    schools: list[School]  # the schools this person may choose from
    school: School | None  # the one chosen (None: all of them)
    rounds: list[Round] = field(default_factory=list)
    round: Round | None = None
    notice: str | None = None

    @property
    def status(self) -> int:
        return 422 if self.form.errors else 200

    @property
    def in_scope(self) -> list[School]:
        return [self.school] if self.school else self.schools

    @property
    def args(self) -> dict[str, str]:
        """The filters in force, as query-string values (for links, CSVs and the print view)."""
        s = self.scope
        values = {
            "school": self.school.id if self.school else None,
            "round": s.round_id,
            "start": s.start.isoformat() if s.start else None,
            "end": s.end.isoformat() if s.end else None,
            "grade": s.grade,
        }
        return {k: str(v) for k, v in values.items() if v is not None}

    @property
    def described(self) -> list[tuple[str, str, str]]:
        """The filters in words, for the printed page's header: (key, label, value)."""
        s = self.scope
        if s.start or s.end:
            dates = _(
                "%(start)s to %(end)s",
                start=format_date(s.start) if s.start else "…",
                end=format_date(s.end) if s.end else "…",
            )
        else:
            dates = _("All dates")
        return [
            ("school", _("School"), self.school.name if self.school else _("All schools")),
            ("round", _("Round"), self.round.name if self.round else _("All rounds")),
            ("dates", _("Dates"), dates),
            ("grade", _("Grade"), grade_label(s.grade) if s.grade else _("All grades")),
        ]


def _schools(allowed: set[int] | None, user: User) -> list[School]:
    if allowed is None:
        return list(db.session.scalars(queries.schools()))
    # A coordinator's schools come with their roles (loaded with the user): no query.
    mine = {a.school.id: a.school for a in user.roles if a.school_id in allowed}
    return sorted(mine.values(), key=lambda s: s.name)


def _chosen_school(
    raw: str, schools: list[School], allowed: set[int] | None, by_school: bool
) -> School | None:
    """The school asked for (``raw``, its id), among ``schools``; a 404 for any other."""
    if not by_school:
        return None
    if raw:
        wanted = parse_id(raw)
        school = next((s for s in schools if s.id == wanted), None)
        if school is None:
            abort(404)
        return school
    if allowed is not None and schools:
        return schools[0]  # a coordinator's report is about one school at a time
    return None


def _school_choices(schools: list[School], allowed: set[int] | None) -> list[SelectChoice]:
    everyone = [] if allowed is not None else [SelectChoice("", _("All schools"))]
    return everyone + [SelectChoice(str(s.id), s.name) for s in schools]


def _chosen_round(
    raw: str, rounds: list[Round], by_school: bool
) -> tuple[Round | None, str | None]:
    """The round asked for (``raw``, its id) among the school's ``rounds``, or a notice why none
    is: an id that is not a number is a 404, another school's round only a notice."""
    if not (by_school and raw):
        return None, None
    wanted = parse_id(raw)
    if wanted is None:
        abort(404)
    chosen = next((r for r in rounds if r.id == wanted), None)
    if chosen is None:  # e.g. the school was just changed: not an error to shout
        return None, _("That round is not one of this school's: showing all rounds.")
    return chosen, None


def _round_choices(rounds: list[Round]) -> list[SelectChoice]:
    return [SelectChoice("", _("All rounds"))] + [
        SelectChoice(str(r.id), r.name if r.is_open else _("%(round)s (closed)", round=r.name))
        for r in rounds
    ]


def _school_ids(
    school: School | None, schools: list[School], allowed: set[int] | None
) -> tuple[int, ...] | None:
    """The schools a report covers: the one chosen, else all this person may see (None: all)."""
    if school is not None:
        return (school.id,)
    return None if allowed is None else tuple(sorted(s.id for s in schools))


def _valid(field):
    """A field's value, or None while it has an error (the error stays beside the field)."""
    return None if field.errors else field.data


def read(
    args: Mapping[str, str],
    allowed: set[int] | None,
    user: User,
    default_timezone: str,
    *,
    by_school: bool = True,
) -> Filters:
    """The report's filters from the query string ``args``, for ``user`` who may see the
    schools ``allowed`` (None: all). An id that is not a school (or round) this person may see
    is a 404; a bad date, grade or range keeps its message beside the field."""
    form = ReportFilterForm(args)
    form.validate()
    schools = _schools(allowed, user)
    school = _chosen_school(args.get("school", ""), schools, allowed, by_school)
    form.school.choices = _school_choices(schools, allowed)
    form.school.data = str(school.id) if school else ""
    rounds = list(db.session.scalars(round_queries.rounds(school.id))) if school else []
    chosen_round, notice = _chosen_round(args.get("round", ""), rounds, by_school)
    form.round.choices = _round_choices(rounds)
    form.round.data = str(chosen_round.id) if chosen_round else ""
    scope = Scope(
        school_ids=_school_ids(school, schools, allowed),
        round_id=chosen_round.id if chosen_round else None,
        start=_valid(form.start),
        end=_valid(form.end),
        grade=_valid(form.grade) or None,
        timezone=school.timezone if school else default_timezone,
    )
    return Filters(form, scope, schools, school, rounds, chosen_round, notice)
