"""What happens to a visit: creating, assigning, contacting, scheduling, completing.

Each service checks the model's rules (``fieldapp.rules``) before it changes anything, takes
explicit arguments (never the request), and only flushes: the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from fieldapp import audit, clock, rules
from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.models import (
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    Family,
    FollowUp,
    HoursEntry,
    PrivateNote,
    Reflection,
    ReflectionDraft,
    Round,
    Student,
    TeamMember,
    TeamRole,
    User,
    Visit,
    VisitMode,
    VisitStatus,
    VisitType,
)
from fieldapp.training.queries import completions_of
from fieldapp.visits import queries


def N_(message: str) -> str:
    """A reason stored with the visit as it is (in English), marked for the catalogue: pages
    translate it when they show it (the ``reason`` filter)."""
    return message


def _completions(users: Sequence[User]) -> list:
    return list(db.session.scalars(completions_of(u.id for u in users)))


def _zone(visit: Visit) -> ZoneInfo:
    return ZoneInfo(visit.school.timezone)


def _move(visit: Visit, new: VisitStatus) -> None:
    rules.check_transition(visit, new)
    visit.status = new


def create_visit(
    *,
    family: Family,
    students: Sequence[Student],
    visit_type: VisitType,
    school_id: int,
    round: Round | None = None,
    by: User | None = None,
) -> Visit:
    rules.check_new_visit(family)
    visit = Visit(
        school_id=school_id,
        round=round,
        family=family,
        visit_type=visit_type,
        students=list(students),
        status=VisitStatus.TO_ARRANGE,
    )
    db.session.add(visit)
    db.session.flush()
    audit.record("visit.create", actor=by, obj=visit, school_id=school_id)
    return visit


def assign_team(
    visit: Visit,
    members: Sequence[User],
    *,
    on: date,
    interpreter: User | None = None,
    by: User | None = None,
) -> None:
    """Give the visit its team (2–3 people, at least two trained on ``on``)."""
    everyone = [*members, *([interpreter] if interpreter else [])]
    rules.check_team(
        members, on, _completions(everyone), interpreters=[interpreter] if interpreter else []
    )
    if visit.status not in rules.OPEN_STATUSES:
        raise rules.RuleViolation(_("Only an open visit can get a new team."))
    # The old rows go first: a member who stays would otherwise be inserted again before
    # their old row is deleted (the unique (visit, user) refuses it).
    visit.team = []
    db.session.flush()
    visit.team = [TeamMember(user=u, role=TeamRole.VISITOR) for u in members]
    visit.updated_at = clock.now()  # touches the visit row, so its version moves too
    if interpreter is not None:
        visit.team.append(TeamMember(user=interpreter, role=TeamRole.INTERPRETER))
    db.session.flush()
    audit.record(
        "visit.assign",
        actor=by,
        obj=visit,
        school_id=visit.school_id,
        team=[u.id for u in everyone],
    )


def stranded_teams(visits_: Sequence[Visit], on: date) -> dict[int, list[User]]:
    """Visit id -> the team members who can no longer visit (disabled, or training lapsed on
    ``on``), for the visits that need a new team; one query for everyone's training."""
    members = {m.user_id: m.user for v in visits_ for m in v.team}
    if not members:
        return {}  # a board of visits without a team (as it opens): nothing to read
    completions = _completions(list(members.values()))
    stranded = {v.id: rules.stranded_members(v.team, on, completions) for v in visits_}
    return {visit_id: people for visit_id, people in stranded.items() if people}


def replace_member(
    visit: Visit, leaving: User, replacement: User, *, on: date, by: User | None
) -> None:
    """The visit keeps its team but for ``leaving``, whose place ``replacement`` takes (a
    leaving interpreter is replaced as the interpreter)."""
    visitors = [m.user for m in visit.team if m.role == TeamRole.VISITOR]
    interpreters = [m.user for m in visit.team if m.role == TeamRole.INTERPRETER]
    if leaving in interpreters:
        interpreter = replacement
    else:
        interpreter = interpreters[0] if interpreters else None
        visitors = [replacement if u.id == leaving.id else u for u in visitors]
    assign_team(visit, visitors, on=on, interpreter=interpreter, by=by)


def log_contact(
    visit: Visit,
    *,
    method: ContactMethod,
    outcome: ContactOutcome,
    note: str | None,
    by: User,
    at: datetime | None = None,
    client_id: str | None = None,
) -> ContactAttempt:
    """Record an attempt to reach the family; its outcome moves the visit along."""
    rules.check_contact(visit)
    attempt = ContactAttempt(
        visit=visit,
        method=method,
        outcome=outcome,
        note=note or None,
        by=by,
        at=at or clock.now(),
        client_id=client_id,
    )
    db.session.add(attempt)
    if visit.status == VisitStatus.TO_ARRANGE:
        _move(visit, VisitStatus.CONTACTING)
    if outcome == ContactOutcome.AGREED:
        visit.family_agreed_at = attempt.at
    elif outcome == ContactOutcome.DECLINED:
        _move(visit, VisitStatus.DECLINED)
        visit.status_reason = N_("The family declined.")
    elif outcome == ContactOutcome.DO_NOT_CONTACT:
        # The reason is what the team wrote, or none: the wish itself is the flag and its date (an
        # English sentence stored here showed as such to a Spanish-speaking coordinator).
        mark_do_not_contact(visit.family, reason=note or None, by=by)
    db.session.flush()
    audit.record(
        "visit.contact", actor=by, obj=visit, school_id=visit.school_id, outcome=outcome.value
    )
    return attempt


def mark_do_not_contact(family: Family, *, reason: str | None, by: User | None) -> int:
    """Keep the family's wish: flag it and close its open visits. Returns how many were closed."""
    family.do_not_contact = True
    family.do_not_contact_at = clock.now()
    family.do_not_contact_reason = reason or None
    open_visits = db.session.scalars(
        select(Visit).where(Visit.family_id == family.id, Visit.status.in_(rules.OPEN_STATUSES))
    ).all()
    for v in open_visits:
        v.status = VisitStatus.DECLINED
        v.status_reason = N_("The family asked not to be contacted again.")
    db.session.flush()
    audit.record("family.do_not_contact", actor=by, obj=family, closed=len(open_visits))
    return len(open_visits)


def schedule_visit(
    visit: Visit,
    *,
    start: datetime,
    mode: VisitMode,
    place: str | None,
    by: User | None,
    now: datetime,
) -> None:
    """Fix the time and place the family agreed to."""
    rules.check_schedule(visit, start, _zone(visit), _completions(visit.members), now)
    rules.check_no_overlap(
        visit, start, db.session.scalars(queries.nearby_visits_of_team(visit, start))
    )
    visit.scheduled_start = start
    visit.mode = mode
    visit.place = place
    if visit.status != VisitStatus.SCHEDULED:
        _move(visit, VisitStatus.SCHEDULED)
    db.session.flush()
    audit.record("visit.schedule", actor=by, obj=visit, school_id=visit.school_id)


def request_reschedule(visit: Visit, *, reason: str, by: User | None) -> None:
    """The agreed time no longer works: the team arranges a new one with the family."""
    _move(visit, VisitStatus.RESCHEDULING)
    visit.status_reason = reason
    # The new time is arranged with the family again: their agreement is asked anew.
    visit.family_agreed_at = None
    db.session.flush()
    audit.record("visit.reschedule", actor=by, obj=visit, school_id=visit.school_id)


def cancel_visit(visit: Visit, *, reason: str, by: User | None) -> None:
    _move(visit, VisitStatus.CANCELLED)
    visit.status_reason = reason
    db.session.flush()
    audit.record("visit.cancel", actor=by, obj=visit, school_id=visit.school_id)


def _reflection(
    visit: Visit,
    *,
    by: User,
    duration_minutes: int,
    shared: dict[str, str | None],
    private_note: str | None,
    follow_ups: Sequence[tuple[str, User, date]],
    client_id: str | None,
    submitted_at: datetime,
) -> Reflection:
    reflection = Reflection(
        visit=visit,
        author=by,
        duration_minutes=duration_minutes,
        client_id=client_id,
        submitted_at=submitted_at,
        **shared,
    )
    if private_note:
        reflection.private_note = PrivateNote(text=private_note)
    db.session.add(reflection)
    for description, owner, due_on in follow_ups:
        db.session.add(
            FollowUp(
                family_id=visit.family_id,
                visit=visit,
                owner=owner,
                description=description,
                due_on=due_on,
            )
        )
    return reflection


def submit_reflection(
    visit: Visit,
    *,
    by: User,
    duration_minutes: int,
    shared: dict[str, str | None],
    private_note: str | None = None,
    follow_ups: Sequence[tuple[str, User, date]] = (),
    client_id: str | None = None,
    now: datetime,
    written_at: datetime | None = None,
) -> Reflection:
    """Record the team's reflection once, complete the visit and give each member their hours."""
    rules.check_may_reflect(visit, now)
    reflection = _reflection(
        visit,
        by=by,
        duration_minutes=duration_minutes,
        shared=shared,
        private_note=private_note,
        follow_ups=follow_ups,
        client_id=client_id,
        submitted_at=written_at or now,
    )
    rules.check_complete(visit)
    _move(visit, VisitStatus.COMPLETED)
    visit.completed_at = now
    hours = rules.visit_hours(visit.school, duration_minutes)
    earned_on = (visit.scheduled_start or now).astimezone(_zone(visit)).date()
    for member in rules.paid_members(visit.team, earned_on, _completions(visit.members)):
        db.session.add(
            HoursEntry(
                visit=visit,
                user_id=member.user_id,
                school_id=visit.school_id,
                role=member.role,
                hours=hours,
                earned_on=earned_on,
            )
        )
    db.session.execute(delete(ReflectionDraft).where(ReflectionDraft.visit_id == visit.id))
    db.session.flush()
    audit.record("visit.reflect", actor=by, obj=visit, school_id=visit.school_id)
    return reflection


def add_reflection_version(
    visit: Visit,
    *,
    by: User,
    duration_minutes: int,
    shared: dict[str, str | None],
    private_note: str | None = None,
    follow_ups: Sequence[tuple[str, User, date]] = (),
    client_id: str | None = None,
    written_at: datetime,
) -> Reflection:
    """Keep a reflection written offline for a visit a teammate completed meanwhile: a second
    version beside the first (no silent overwrite), until the team merges them. The visit is
    completed and paid once already, so no hours change here."""
    rules.check_may_add_version(visit)
    reflection = _reflection(
        visit,
        by=by,
        duration_minutes=duration_minutes,
        shared=shared,
        private_note=private_note,
        follow_ups=follow_ups,
        client_id=client_id,
        submitted_at=written_at,
    )
    db.session.execute(
        delete(ReflectionDraft).where(
            ReflectionDraft.visit_id == visit.id, ReflectionDraft.user_id == by.id
        )
    )
    db.session.flush()
    audit.record("visit.reflect_version", actor=by, obj=visit, school_id=visit.school_id)
    return reflection


def current_versions(visit: Visit) -> list[Reflection]:
    """The visit's reflections that no merge has replaced (two or more: the team should merge)."""
    return [r for r in visit.reflections if r.superseded_by_id is None]


def merge_reflections(
    visit: Visit,
    versions: Sequence[Reflection],
    *,
    by: User,
    duration_minutes: int,
    shared: dict[str, str | None],
    private_note: str | None,
    now: datetime,
) -> Reflection:
    """The team's one reflection, made from its versions; they stay in the history, superseded.
    In a school that pays by the minute, hours not yet exported follow the merged duration."""
    if len(versions) < 2 or any(v.superseded_by_id is not None for v in versions):
        raise rules.RuleViolation(_("These versions were merged already. Reload the page."))
    merged = _reflection(
        visit,
        by=by,
        duration_minutes=duration_minutes,
        shared=shared,
        private_note=private_note,
        follow_ups=(),
        client_id=None,
        submitted_at=now,
    )
    db.session.flush()
    for version in versions:
        version.superseded_by_id = merged.id
    hours = rules.visit_hours(visit.school, duration_minutes)
    for entry in db.session.scalars(
        select(HoursEntry).where(HoursEntry.visit_id == visit.id, HoursEntry.export_id.is_(None))
    ):
        entry.hours = hours
    visit.updated_at = now  # moves the visit's version: two merges at once cannot both win
    db.session.flush()
    audit.record(
        "visit.reflection_merge",
        actor=by,
        obj=visit,
        school_id=visit.school_id,
        versions=[v.id for v in versions],
    )
    return merged


def correct_private_note(visit: Visit, *, text: str, by: User, now: datetime) -> PrivateNote | None:
    """The team corrects its private note (an empty text removes it), for a while after the
    visit (``rules.PRIVATE_NOTE_CORRECTION``). With two versions of the reflection still to
    merge there are two notes: the team makes one of them on the merge page instead. The audit
    event says who corrected it and when, never what it says."""
    rules.check_may_correct_private_note(visit, now)
    versions = current_versions(visit)
    if len(versions) != 1:
        raise rules.RuleViolation(
            _("Merge the versions of the reflection first: their private notes become one."),
            "text",
        )
    reflection = versions[0]
    if not text:
        reflection.private_note = None  # delete-orphan: the row goes
    elif reflection.private_note is None:
        reflection.private_note = PrivateNote(text=text)
    else:
        reflection.private_note.text = text
    db.session.flush()
    audit.record(
        "visit.private_note",
        actor=by,
        obj=visit,
        school_id=visit.school_id,
        reflection=reflection.id,
    )
    return reflection.private_note


def save_draft(
    visit: Visit, *, by: User, data: dict[str, str], written_at: datetime
) -> ReflectionDraft | None:
    """Keep what the visitor has typed so far, so that a sleeping phone loses nothing. The last
    one written wins, by the time it was written (``written_at``), not the order drafts arrive
    in: a draft that waited on a phone never overwrites a newer one. A draft for a visit whose
    reflection is in changes nothing (None): the reflection has what the drafts had."""
    if visit.status == VisitStatus.COMPLETED or visit.reflections:
        return None
    if visit.status != VisitStatus.SCHEDULED:
        raise rules.RuleViolation(_("This visit no longer takes a reflection; nothing was saved."))
    draft = find_draft(visit, by)
    if draft is None:
        draft = ReflectionDraft(visit_id=visit.id, user_id=by.id)
        db.session.add(draft)
    elif draft.updated_at > written_at:
        return draft
    draft.data = data
    draft.updated_at = written_at
    db.session.flush()
    return draft


def find_draft(visit: Visit, user: User) -> ReflectionDraft | None:
    return db.session.scalar(
        select(ReflectionDraft).where(
            ReflectionDraft.visit_id == visit.id, ReflectionDraft.user_id == user.id
        )
    )


def complete_follow_up(follow_up: FollowUp, *, by: User) -> None:
    if follow_up.done_at is None:
        follow_up.done_at = clock.now()
        follow_up.done_by_id = by.id
        db.session.flush()
        audit.record("follow_up.done", actor=by, obj=follow_up)
