"""Planning rounds and assigning trained teams: built on the visits and training features."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from fieldapp import audit, clock, rules
from fieldapp.extensions import db
from fieldapp.grades import grade_order
from fieldapp.i18n import gettext as _
from fieldapp.i18n import lazy_gettext as _l
from fieldapp.i18n import ngettext
from fieldapp.models import (
    AuditEvent,
    Round,
    RoundScope,
    School,
    Student,
    TeamRole,
    User,
    Visit,
    VisitType,
)
from fieldapp.rounds import queries
from fieldapp.training.queries import completions_of
from fieldapp.visits import services as visits


@dataclass
class Coverage:
    """One grade or class: students the round's visits cover, of its active students."""

    label: str
    covered: int
    students: int

    @property
    def share(self) -> float:
        return self.covered / self.students if self.students else 0.0


@dataclass
class RoundPlan:
    """What a round would make, before it is made: its visits (one per family), the families
    it skips and why, its coverage by grade and class, and the rule 4 warnings."""

    families: list[list[Student]] = field(default_factory=list)  # the students of each visit
    skipped_do_not_contact: int = 0
    skipped_already_visited: int = 0  # a visit of this kind in an overlapping period
    skipped_first_this_year: int = 0  # a first visit already this school year
    skipped_no_family: int = 0
    school_year: str = ""
    by_grade: list[Coverage] = field(default_factory=list)
    by_class: list[Coverage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def made(self) -> int:
        return len(self.families)

    @property
    def skipped(self) -> list[str]:
        """Each reason a family or student is left out, with how many, for people to read."""
        reasons = [
            (
                self.skipped_do_not_contact,
                _("%(num)d asked not to be contacted", num=self.skipped_do_not_contact),
            ),
            (
                self.skipped_first_this_year,
                _(
                    "%(num)d already had a first visit in the %(year)s school year (first visits "
                    "are once a year; the second visit follows up)",
                    num=self.skipped_first_this_year,
                    year=self.school_year,
                ),
            ),
            (
                self.skipped_already_visited,
                _(
                    "%(num)d already have a visit in this period",
                    num=self.skipped_already_visited,
                ),
            ),
            (
                self.skipped_no_family,
                _("%(num)d students have no family on record", num=self.skipped_no_family),
            ),
        ]
        return [text for count, text in reasons if count]


@dataclass
class RoundCreated:
    round: Round
    plan: RoundPlan


MAX_CHOSEN = 1000  # ids typed or pasted under "Chosen students"


def chosen_students(school: School, text: str) -> list[int]:
    """The school's active students named by SIS id in ``text`` (commas or spaces between);
    an id that names none of them is refused by name, never dropped."""
    wanted = list(dict.fromkeys(text.replace(",", " ").split()))
    if not wanted:
        raise rules.RuleViolation(_("Enter the students' ids."), field="students")
    if len(wanted) > MAX_CHOSEN:
        raise rules.RuleViolation(
            _(
                "Enter at most %(num)d ids; for more students, choose grades or classes.",
                num=MAX_CHOSEN,
            ),
            field="students",
        )
    found = dict(db.session.execute(queries.students_with_sis_ids(school.id, wanted)).all())
    unknown = [w for w in wanted if w not in found]
    if unknown:
        raise rules.RuleViolation(
            ngettext(
                "No active student of this school has the id %(ids)s. Check it on the roster.",
                "No active student of this school has the ids %(ids)s. Check them on the roster.",
                len(unknown),
                ids=", ".join(unknown),
            ),
            field="students",
        )
    return [found[w] for w in wanted]


def plan_round(
    school: School,
    *,
    visit_type: VisitType,
    starts_on: date,
    ends_on: date,
    scope: RoundScope,
    values: Sequence,
) -> RoundPlan:
    """The round's visits and coverage, without making anything: one visit per family in
    scope (siblings share it); do-not-contact families, families already visited in this
    period and, for first visits, families that had their first visit this school year are
    skipped and counted."""
    if ends_on < starts_on:
        raise rules.RuleViolation(_("The round must end after it starts."), field="ends_on")
    if scope != RoundScope.SCHOOL and not values:
        raise rules.RuleViolation(_("Choose who the round is for."), field="scope")
    year = rules.school_year(starts_on)
    plan = RoundPlan(school_year=rules.school_year_label(starts_on))
    by_family: dict[int, list[Student]] = {}
    in_scope: Counter = Counter()
    for student in db.session.scalars(queries.students_in_scope(school.id, scope, list(values))):
        in_scope[student.grade] += 1
        if student.family is None:
            plan.skipped_no_family += 1
        else:
            by_family.setdefault(student.family_id, []).append(student)
    if visit_type == VisitType.FIRST:
        this_year = set(
            db.session.scalars(
                queries.families_with_first_visit_in_year(school.id, year, list(by_family))
            )
        )
        overlapping: set[int] = set()
    else:
        this_year = set()
        overlapping = set(
            db.session.scalars(
                queries.families_with_visit_in(
                    school.id, visit_type, starts_on, ends_on, list(by_family)
                )
            )
        )
    for students in by_family.values():
        family = students[0].family
        if family.do_not_contact:
            plan.skipped_do_not_contact += 1
        elif family.id in this_year:
            plan.skipped_first_this_year += 1
        elif family.id in overlapping:
            plan.skipped_already_visited += 1
        else:
            plan.families.append(students)
    _coverage(school, plan, in_scope, scope)
    return plan


def _coverage(school: School, plan: RoundPlan, in_scope: Counter, scope: RoundScope) -> None:
    covered = [s for students in plan.families for s in students]
    per_grade = dict(db.session.execute(queries.students_per_grade(school.id)).all())
    covered_by_grade = Counter(s.grade for s in covered)
    plan.by_grade = [
        Coverage(
            "K"
            if grade == "K"
            else _("Grade %(grade)s", grade=grade)
            if grade
            else _("Grade not given"),
            covered_by_grade.get(grade, 0),
            total,
        )
        for grade, total in sorted(per_grade.items(), key=lambda kv: grade_order(kv[0]))
    ]
    covered_by_class: Counter = Counter()
    ids = [s.id for s in covered]
    for start in range(0, len(ids), 500):  # a whole school, in bites SQLite takes
        for class_id, _student in db.session.execute(
            queries.classes_of_students(ids[start : start + 500])
        ):
            covered_by_class[class_id] += 1
    plan.by_class = [
        Coverage(name, covered_by_class.get(class_id, 0), total)
        for class_id, name, total in db.session.execute(queries.students_per_class(school.id))
    ]
    # Rule 4 judges who the round takes in, as the dashboard does for a round that exists.
    plan.warnings = rules.targeting_warnings(scope, dict(in_scope), per_grade)


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
    """A round and the visits its plan makes (see ``plan_round``)."""
    plan = plan_round(
        school,
        visit_type=visit_type,
        starts_on=starts_on,
        ends_on=ends_on,
        scope=scope,
        values=values,
    )
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
    for students in plan.families:
        visits.create_visit(
            family=students[0].family,
            students=students,
            visit_type=visit_type,
            school_id=school.id,
            round=round_,
            by=by,
        )
    audit.record("round.create", actor=by, obj=round_, school_id=school.id, made=plan.made)
    return RoundCreated(round_, plan)


def close_round(round_: Round, *, by: User) -> None:
    if round_.closed_at is None:
        round_.closed_at = clock.now()
        audit.record("round.close", actor=by, obj=round_, school_id=round_.school_id)


@dataclass
class Assignment:
    """What a change of teams did: the visits changed, and those refused with the reason."""

    changed: list[Visit] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # visit id → why it was left alone
    event: AuditEvent | None = None  # the change on record, which undo reads


def check_school_staff(
    round_: Round, members: Sequence[User | None], interpreter: User | None
) -> None:
    """Everyone picked is on the round's school's staff (a person not found: None, refused)."""
    staff = set(
        db.session.scalars(queries.school_staff(round_.school_id).with_only_columns(User.id))
    )
    picked = [*members, *([interpreter] if interpreter is not None else [])]
    if any(p is None or p.id not in staff for p in picked):
        raise rules.RuleViolation(_("Choose two people from this school's staff."), field="members")


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


STALE = _l("Someone else changed this visit meanwhile. Look at it again.")


def _team_of(visit: Visit) -> list[list]:
    return [[m.user_id, m.role.value] for m in visit.team]


def _change_teams(
    action: str,
    round_: Round,
    visits_: Sequence[Visit],
    versions: dict[int, int],
    by: User,
    check: Callable[[Visit], None],
    change: Callable[[Visit], None],
) -> Assignment:
    """The board's change of teams, visit by visit. A visit changed by someone else since the
    coordinator loaded the board (its version moved), or refused by ``check``, is left alone
    with the reason; the others get ``change``. One event records the change with each visit's
    team before it and its version after it: what ``undo_last_change`` puts back."""
    result = Assignment()
    before = {}
    for visit in visits_:
        if visit.round_id != round_.id:
            raise rules.RuleViolation(_("That visit is not in this round."))
        try:
            if versions.get(visit.id) != visit.version:
                raise rules.RuleViolation(str(STALE))
            check(visit)
        except rules.RuleViolation as exc:
            result.refused[visit.id] = exc.message
            continue
        before[visit.id] = _team_of(visit)
        change(visit)
        result.changed.append(visit)
    if result.changed:
        result.event = audit.record(
            action,
            actor=by,
            obj=round_,
            school_id=round_.school_id,
            visits=[
                {"id": v.id, "version": v.version, "before": before[v.id]} for v in result.changed
            ],
        )
        db.session.flush()
    return result


def _check_open(visit: Visit) -> None:
    if visit.status not in rules.OPEN_STATUSES:
        raise rules.RuleViolation(_("Only an open visit can get a new team."))


def _take_team_off(visit: Visit, by: User) -> None:
    team = _team_of(visit)
    visit.team = []
    visit.updated_at = clock.now()  # the version moves, as when a team is given
    db.session.flush()
    audit.record("visit.unassign", actor=by, obj=visit, school_id=visit.school_id, team=team)


def assign(
    round_: Round,
    visits_: Sequence[Visit],
    members: Sequence[User | None],
    *,
    versions: dict[int, int],
    interpreter: User | None,
    by: User,
    today: date,
) -> Assignment:
    """Give several visits of a round the same team of the school's staff (see
    ``_change_teams`` for the visits left alone)."""
    check_school_staff(round_, members, interpreter)
    check_assignable(members, round_, today)
    return _change_teams(
        "round.assign",
        round_,
        visits_,
        versions,
        by,
        _check_open,
        lambda v: visits.assign_team(v, members, on=today, interpreter=interpreter, by=by),
    )


def unassign(
    round_: Round, visits_: Sequence[Visit], *, versions: dict[int, int], by: User
) -> Assignment:
    """Take the team off several visits of a round (back to no team), while nothing is
    scheduled with the family (``rules.check_unassign``)."""
    return _change_teams(
        "round.unassign",
        round_,
        visits_,
        versions,
        by,
        rules.check_unassign,
        lambda v: _take_team_off(v, by),
    )


def undo_last_change(round_: Round, event_id: int | None, *, by: User, today: date) -> Assignment:
    """Put back the teams of the board's last change (an assignment or taking teams off),
    ``event_id`` on record: one step, only by the coordinator who made it, only while it is
    still the last change. A visit changed since then is left as it is, with why."""
    event = db.session.scalar(queries.last_team_change(round_.id))
    if event is None or event.action == "round.undo":
        raise rules.RuleViolation(_("There is no change of teams to undo."))
    if event.actor_id != by.id:
        raise rules.RuleViolation(_("Only the coordinator who made the last change can undo it."))
    if event_id is None:
        raise rules.RuleViolation(_("There is no change of teams to undo."))
    if event.id != event_id:
        raise rules.RuleViolation(
            _("Teams were changed again since; undo only takes back the last change.")
        )
    result = Assignment()
    wanted = {item["id"]: item for item in event.detail.get("visits", [])}
    chosen = db.session.scalars(queries.visits_of_round(round_.id, list(wanted))).all()
    ids = {uid for item in wanted.values() for uid, _role in item["before"]}
    people = {u.id: u for u in db.session.scalars(queries.people(ids))}
    for visit in chosen:
        item = wanted[visit.id]
        if visit.version != item["version"] or visit.status not in rules.OPEN_STATUSES:
            result.refused[visit.id] = str(STALE)
            continue
        team = [(people[uid], TeamRole(role)) for uid, role in item["before"]]
        if team:
            visitors = [u for u, role in team if role == TeamRole.VISITOR]
            interpreter = next((u for u, role in team if role == TeamRole.INTERPRETER), None)
            visits.assign_team(visit, visitors, on=today, interpreter=interpreter, by=by)
        else:
            _take_team_off(visit, by)
        result.changed.append(visit)
    audit.record(
        "round.undo",
        actor=by,
        obj=round_,
        school_id=round_.school_id,
        undone=event.id,
        visits=[v.id for v in result.changed],
        left=list(result.refused),
    )
    return result
