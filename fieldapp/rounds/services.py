"""Planning rounds and assigning trained teams: built on the visits and training features."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from fieldapp import audit, clock, rules
from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.models import Round, RoundScope, School, User, Visit, VisitType
from fieldapp.rounds import queries
from fieldapp.training.queries import completions_of
from fieldapp.visits import services as visits


@dataclass
class RoundCreated:
    round: Round
    made: int = 0
    skipped_do_not_contact: int = 0
    skipped_already_visited: int = 0
    skipped_no_family: int = 0


def create_round(
    school: School,
    *,
    name: str,
    visit_type: VisitType,
    starts_on: date,
    ends_on: date,
    scope: RoundScope,
    values: Sequence,
    by: User,
) -> RoundCreated:
    """A round and one visit per family in scope: siblings share a visit, do-not-contact
    families and families already visited in this period are skipped, and counted."""
    if ends_on < starts_on:
        raise rules.RuleViolation(_("The round must end after it starts."), field="ends_on")
    if scope != RoundScope.SCHOOL and not values:
        raise rules.RuleViolation(_("Choose who the round is for."), field="scope")
    round_ = Round(
        school=school,
        name=name,
        visit_type=visit_type,
        starts_on=starts_on,
        ends_on=ends_on,
        scope=scope,
        scope_values=list(values),
        created_by_id=by.id,
    )
    db.session.add(round_)
    db.session.flush()
    result = RoundCreated(round_)
    by_family: dict[int, list] = {}
    for student in db.session.scalars(queries.students_in_scope(school.id, scope, list(values))):
        if student.family is None:
            result.skipped_no_family += 1
        else:
            by_family.setdefault(student.family_id, []).append(student)
    already = set(db.session.scalars(queries.families_with_visit_in(round_, list(by_family))))
    for students in by_family.values():
        family = students[0].family
        if family.do_not_contact:
            result.skipped_do_not_contact += 1
        elif family.id in already:
            result.skipped_already_visited += 1
        else:
            visits.create_visit(
                family=family,
                students=students,
                visit_type=visit_type,
                school_id=school.id,
                round=round_,
                by=by,
            )
            result.made += 1
    audit.record("round.create", actor=by, obj=round_, school_id=school.id, made=result.made)
    return result


def close_round(round_: Round, *, by: User) -> None:
    if round_.closed_at is None:
        round_.closed_at = clock.now()
        audit.record("round.close", actor=by, obj=round_, school_id=round_.school_id)


@dataclass
class Assignment:
    assigned: list[Visit] = field(default_factory=list)
    stale: list[Visit] = field(default_factory=list)


def check_assignable(people: Sequence[User], round_: Round, today: date) -> None:
    """Everyone picked is trained now and until the round ends; the reason otherwise."""
    by_user = rules.completions_by_user(db.session.scalars(completions_of(p.id for p in people)))
    for person in people:
        reason = rules.why_not_assignable(by_user.get(person.id, []), today, round_.ends_on)
        if reason:
            raise rules.RuleViolation(
                _("%(name)s cannot be assigned: %(reason)s.", name=person.name, reason=reason),
                field="members",
            )


def assign(
    round_: Round,
    visits_: Sequence[Visit],
    members: Sequence[User],
    *,
    versions: dict[int, int],
    interpreter: User | None,
    by: User,
    today: date,
) -> Assignment:
    """Give several visits of a round the same team. A visit changed by someone else since the
    coordinator loaded the board (its version moved) is left alone and reported."""
    check_assignable(members, round_, today)
    result = Assignment()
    for visit in visits_:
        if visit.round_id != round_.id:
            raise rules.RuleViolation(_("That visit is not in this round."))
        if versions.get(visit.id) != visit.version:
            result.stale.append(visit)
            continue
        visits.assign_team(visit, members, on=today, interpreter=interpreter, by=by)
        result.assigned.append(visit)
    return result


@dataclass
class Staff:
    """A school's staff as the assignment board sees them for one round."""

    people: list[User]
    reasons: dict[int, str | None]  # why someone cannot be assigned (None: they can)
    open_counts: dict[int, int]

    @property
    def assignable(self) -> list[User]:
        return [p for p in self.people if self.reasons[p.id] is None]


def staff_for(round_: Round, today: date) -> Staff:
    people = db.session.scalars(queries.school_staff(round_.school_id)).all()
    by_user = rules.completions_by_user(db.session.scalars(completions_of(p.id for p in people)))
    reasons = {
        p.id: rules.why_not_assignable(by_user.get(p.id, []), today, round_.ends_on) for p in people
    }
    counts = dict(db.session.execute(queries.open_visit_counts(round_.school_id)).all())
    return Staff(list(people), reasons, counts)


@dataclass
class Suggestion:
    people: list[User]
    reasons: list[str]


def suggest(visit: Visit, candidates: Sequence[User], open_counts: dict[int, int]) -> Suggestion:
    """Two people for a visit: the student's own teacher first, then a speaker of the family's
    language, then whoever has the fewest open visits. ``candidates`` are assignable people."""
    teachers = {t.id for s in visit.students for c in s.classes for t in c.teachers}
    language = visit.family.home_language if visit.family else "en"

    def score(person: User) -> tuple:
        return (
            person.id not in teachers,
            language not in person.spoken_languages,
            open_counts.get(person.id, 0),
            person.name,
        )

    chosen = sorted(candidates, key=score)[:2]
    reasons = []
    for person in chosen:
        why = []
        if person.id in teachers:
            why.append(_("teacher"))
        if language != "en" and language in person.spoken_languages:
            why.append(_("speaks the family's language"))
        why.append(_("%(num)d open", num=open_counts.get(person.id, 0)))
        reasons.append(f"{person.first_name} ({', '.join(why)})")
    return Suggestion(chosen, reasons)
