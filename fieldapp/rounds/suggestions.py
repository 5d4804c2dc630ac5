"""Who could visit: a round's staff as the assignment board sees them (trained through the
round, or why not, and their open visits), and the suggested team for a visit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from fieldapp import rules, versions
from fieldapp.extensions import db
from fieldapp.i18n import current_locale
from fieldapp.i18n import gettext as _
from fieldapp.models import Round, User, Visit
from fieldapp.rounds import queries
from fieldapp.training.queries import completions_of


@dataclass
class Staff:
    """A school's staff as the assignment board sees them for one round."""

    people: list[User]
    reasons: dict[int, str | None]  # why someone cannot be assigned (None: they can)
    open_counts: dict[int, int]

    @property
    def assignable(self) -> list[User]:
        return [p for p in self.people if self.reasons[p.id] is None]

    def options(self) -> list[tuple[int, str, str | None]]:
        """Each person as the team picker lists them: id, "Name · 3 open — why not", and why
        they cannot be assigned (None: they can). Made once for the picker's three lists."""
        options = []
        for p in self.people:
            why = self.reasons[p.id]
            label = f"{p.name} · {_('%(num)d open', num=self.open_counts.get(p.id, 0))}"
            options.append((p.id, f"{label} — {why}" if why else label, why))
        return options


def staff_for(round_: Round, today: date) -> Staff:
    people = db.session.scalars(queries.school_staff(round_.school_id)).all()
    # Who can be assigned, and why not, is kept until training data changes (completions,
    # roles, accounts): the board is the page a coordinator reloads most, and reading the
    # staff's completions and deciding was a tenth of it.
    school_id, until, ids = round_.school_id, round_.ends_on, [p.id for p in people]
    reasons = dict(
        versions.kept(
            versions.TRAINING,
            ("assignable", school_id, today, until, current_locale()),
            lambda: tuple(_reasons(ids, today, until).items()),
        )
    )
    missing = [i for i in ids if i not in reasons]  # joined as it was kept: decided now
    if missing:
        reasons.update(_reasons(missing, today, until))
    counts = dict(db.session.execute(queries.open_visit_counts(school_id)).all())
    return Staff(list(people), reasons, counts)


def _reasons(user_ids: Sequence[int], today: date, until: date) -> dict[int, str | None]:
    """Why each of these people cannot be put on a team from ``today`` to ``until``."""
    by_user = rules.completions_by_user(db.session.scalars(completions_of(user_ids)))
    return {i: rules.why_not_assignable(by_user.get(i, []), today, until) for i in user_ids}


def teachers_by_visit(visits_: Sequence[Visit]) -> dict[int, set[int]]:
    """Visit id -> the user ids of its students' teachers, in one query for a page of visits."""
    student_ids = {s.id for v in visits_ for s in v.students}
    by_student: dict[int, set[int]] = {}
    if student_ids:
        for student_id, user_id in db.session.execute(queries.teachers_of_students(student_ids)):
            by_student.setdefault(student_id, set()).add(user_id)
    return {v.id: {t for s in v.students for t in by_student.get(s.id, ())} for v in visits_}


@dataclass(frozen=True, slots=True)
class _Candidate:
    person: User
    id: int
    languages: frozenset[str]
    rest: tuple[int, str]  # open visits, name: the last two keys of a suggestion's order


class Pool:
    """Assignable people as ``suggest`` compares them, read off each ``User`` once and kept in
    the order of the rule's last keys (fewest open visits, then name; ties as given): a board
    suggests a team for each of its cards from the same school's staff."""

    def __init__(self, people: Sequence[User], open_counts: dict[int, int]) -> None:
        self.candidates = [
            _Candidate(p, p.id, frozenset(p.spoken_languages), (open_counts.get(p.id, 0), p.name))
            for p in people
        ]
        self.by_rest = sorted(self.candidates, key=lambda c: c.rest)  # stable: ties as given
        self._speakers: dict[str, list[_Candidate]] = {}

    def speakers(self, language: str) -> list[_Candidate]:
        """Who speaks ``language``, in the same order (worked out once per language)."""
        found = self._speakers.get(language)
        if found is None:
            found = self._speakers[language] = [c for c in self.by_rest if language in c.languages]
        return found

    def best(self, teachers: set[int], language: str | None, n: int = 2) -> list[_Candidate]:
        """The first ``n`` in the rule's order: the students' teachers (those who speak the
        family's language first), then speakers of the language, then everyone else — each
        group in the order kept. What ``sorted(candidates, key=rule)[:n]`` picks, without
        sorting the school's staff for every card."""
        first = [c for c in self.by_rest if c.id in teachers] if teachers else []
        if language is not None and len(first) > 1:
            first.sort(key=lambda c: language not in c.languages)  # stable
        chosen = first[:n]
        if len(chosen) < n and language is not None:
            speakers = [c for c in self.speakers(language) if c.id not in teachers]
            chosen += speakers[: n - len(chosen)]
        for c in self.by_rest:  # then the others: neither a teacher nor a speaker
            if len(chosen) >= n:
                break
            if c.id not in teachers and (language is None or language not in c.languages):
                chosen.append(c)
        return chosen


@dataclass
class Suggestion:
    people: list[User]
    reasons: list[str]


def suggest(
    visit: Visit,
    candidates: Sequence[User] | Pool,
    open_counts: dict[int, int],
    teachers: set[int] | None = None,
) -> Suggestion:
    """Two people for a visit: the student's own teacher first, then a speaker of the family's
    language, then whoever has the fewest open visits. ``candidates`` are assignable people
    (or their ``Pool``, made once for many visits);
    ``teachers``: the ids of the students' teachers, when already known (``teachers_by_visit``)."""
    if teachers is None:
        teachers = teachers_by_visit([visit])[visit.id]
    language = visit.family.home_language if visit.family else None
    pool = candidates if isinstance(candidates, Pool) else Pool(candidates, open_counts)

    chosen = [c.person for c in pool.best(teachers, language)]
    reasons = []
    for person in chosen:
        why = []
        if person.id in teachers:
            why.append(_("teacher"))
        if language not in (None, "en") and language in person.spoken_languages:
            why.append(_("speaks the family's language"))
        why.append(_("%(num)d open", num=open_counts.get(person.id, 0)))
        reasons.append(f"{person.first_name} ({', '.join(why)})")
    return Suggestion(chosen, reasons)
