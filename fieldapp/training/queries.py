"""Query builders for training: sessions, their rosters, and who is trained where."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Date, Select, and_, case, exists, func, literal, or_, select

from fieldapp.extensions import built_once
from fieldapp.models import (
    Attendance,
    Role,
    RoleAssignment,
    School,
    TrainingCompletion,
    TrainingKind,
    TrainingSession,
    TrainingSessionSchool,
    User,
)
from fieldapp.rules import LAPSING_SOON, TrainingStatus

STAFF_ROLES = (Role.VISITOR, Role.COORDINATOR)  # who may take a training
# Who the trained roster and the reports count as staff: the people who visit. A coordinator
# who only coordinates is not "Not trained" staff.
VISITING_ROLES = (Role.VISITOR,)


def completions_of(user_ids: Iterable[int]) -> Select:
    return select(TrainingCompletion).where(TrainingCompletion.user_id.in_(list(user_ids)))


def sessions() -> Select:
    """Sessions, latest first. A list of them shows their invited schools from
    ``invited_schools``, not by loading each school."""
    return select(TrainingSession).order_by(TrainingSession.starts_at.desc())


def invited_schools(session_ids: Iterable[int]) -> Select:
    """(session id, school name, school zone) for each school the sessions invite, by name:
    what a list of sessions shows of them, and the zone its times are read in. Rows, not
    loaded schools: the trainer's home lists some 80 sessions inviting a dozen schools each."""
    return (
        select(TrainingSessionSchool.session_id, School.name, School.timezone)
        .join(School, School.id == TrainingSessionSchool.school_id)
        .where(TrainingSessionSchool.session_id.in_(list(session_ids)))
        .order_by(School.name, School.id)
    )


def sessions_for_schools(school_ids: Iterable[int]) -> Select:
    invited = exists().where(
        TrainingSessionSchool.session_id == TrainingSession.id,
        TrainingSessionSchool.school_id.in_(list(school_ids)),
    )
    return sessions().where(invited)


def latest_completions(user_ids: Iterable[int]) -> Select:
    """(person id, id of their last recorded completion): the certificate a roster row links."""
    return (
        select(TrainingCompletion.user_id, func.max(TrainingCompletion.id))
        .where(TrainingCompletion.user_id.in_(list(user_ids)))
        .group_by(TrainingCompletion.user_id)
    )


def search_staff(term: str, limit: int = 10) -> Select:
    like = f"%{term.strip().lower()}%"
    any_school_role = exists().where(
        RoleAssignment.user_id == User.id, RoleAssignment.role.in_(STAFF_ROLES)
    )
    return (
        select(User)
        .where(User.active.is_(True), any_school_role)
        .where(or_(User.name.ilike(like), User.email.ilike(like), User.staff_id.ilike(like)))
        .order_by(User.name)
        .limit(limit)
    )


def trainers() -> Select:
    return (
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.TRAINER, User.active.is_(True))
        .order_by(User.name)
    )


def schools(ids: Iterable[int] | None = None) -> Select:
    """The schools (None: all), by name."""
    return _by_name(select(School), ids)


def school_names(ids: Iterable[int] | None = None) -> Select:
    """(id, name) of ``schools``, in the same order: what a list to choose from needs,
    without loading a district's 200 schools whole."""
    return _by_name(select(School.id, School.name), ids)


def _by_name(query: Select, ids: Iterable[int] | None) -> Select:
    query = query.order_by(School.name, School.id)
    return query if ids is None else query.where(School.id.in_(list(ids)))


# ---- training status in SQL: the trained-staff roster of a whole district -------------------

FOREVER = date.max  # a completion without an end of validity


def status_on(on: date, people: Select | None = None):
    """Per person, their training status on ``on`` as SQL: a subquery of (user_id, status,
    valid_until), for the user ids ``people`` selects (default: everyone). The twin of
    ``rules.training_status`` for lists too long to decide in Python (tests/training/
    test_status_sql.py holds the two equal on random histories)."""
    # The constants are written into the SQL (``literal_execute``: the statement is still
    # cached, and each run renders its values), so that the aggregates repeated below read the
    # same: SQLite then works each out once. With a placeholder apiece they differ, and it
    # worked them out at every mention (the district's counts: 37 ms → 27 ms).
    day = literal(on, Date, literal_execute=True)
    done = TrainingCompletion.completed_on <= day
    kind = TrainingCompletion.kind == literal(
        TrainingKind.FOUNDATIONAL, TrainingCompletion.kind.type, literal_execute=True
    )
    one, zero = literal(1, literal_execute=True), literal(0, literal_execute=True)
    foundational = func.max(case((and_(done, kind), one), else_=zero))
    forever = literal(FOREVER, Date, literal_execute=True)
    until = func.max(case((done, func.coalesce(TrainingCompletion.valid_until, forever))))
    status = case(
        (foundational == zero, TrainingStatus.NOT_TRAINED.value),
        (until < day, TrainingStatus.LAPSED.value),
        (
            until <= literal(on + LAPSING_SOON, Date, literal_execute=True),
            TrainingStatus.LAPSING_SOON.value,
        ),
        else_=TrainingStatus.TRAINED.value,
    )
    query = select(
        TrainingCompletion.user_id.label("user_id"),
        status.label("status"),
        case((foundational == zero, None), else_=until).label("valid_until"),
    ).group_by(TrainingCompletion.user_id)
    if people is not None:
        query = query.where(TrainingCompletion.user_id.in_(people))
    return query.subquery("training_status")


def _staff_pairs(school_ids: Iterable[int] | None):
    """(school_id, user_id) of the staff of the schools (None: every school), once each."""
    pairs = select(RoleAssignment.school_id, RoleAssignment.user_id).where(
        RoleAssignment.school_id.is_not(None), RoleAssignment.role.in_(VISITING_ROLES)
    )
    if school_ids is not None:
        pairs = pairs.where(RoleAssignment.school_id.in_(list(school_ids)))
    # With one role, a person holds it once per school (unique user, role, school): the pairs
    # are distinct already, and SQLite reads them without sorting them first (the district's
    # counts: 27 → 22 ms).
    if len(VISITING_ROLES) > 1:
        pairs = pairs.distinct()
    return pairs.subquery("staff")


# By school, then name: whole or a page. Two schools of one name are not mixed (the page is
# planned school by school).
ROSTER_ORDER = (School.name, School.id, User.name, User.id)


def _status(st):
    """A person's status value from ``status_on``'s row: no completion is not trained."""
    return func.coalesce(st.c.status, TrainingStatus.NOT_TRAINED.value)


def _staff_statuses(school_ids: Iterable[int] | None, on: date) -> Select:
    """(school_id, user_id, status value, valid_until) for the active staff of the schools
    (None: every school): one row per school a person works at."""
    pairs = _staff_pairs(school_ids)
    # A few schools: decide the status of their staff only; the district: of everyone at once.
    st = status_on(on, None if school_ids is None else select(pairs.c.user_id))
    return (
        select(
            pairs.c.school_id.label("school_id"),
            User.id.label("user_id"),
            _status(st).label("status"),
            st.c.valid_until.label("valid_until"),
        )
        .select_from(pairs)
        .join(User, User.id == pairs.c.user_id)
        .outerjoin(st, st.c.user_id == User.id)
        .where(User.active.is_(True))
    )


def roster(
    school_ids: Iterable[int] | None, on: date, status: TrainingStatus | None = None
) -> Select:
    """(school, person, status value, valid until) for the active staff of the schools (None:
    every school), by school then name; ``status`` keeps only people with that status."""
    staff = _staff_statuses(school_ids, on).subquery()
    query = (
        select(School, User, staff.c.status, staff.c.valid_until)
        .join(staff, staff.c.school_id == School.id)
        .join(User, User.id == staff.c.user_id)
    )
    if status is not None:
        query = query.where(staff.c.status == status.value)
    return query.order_by(*ROSTER_ORDER)


@built_once  # per schools (a tuple), day, status and page
def roster_page(
    school_ids: tuple[int, ...], on: date, status: TrainingStatus | None, limit: int, offset: int
) -> Select:
    """Rows ``offset`` to ``offset + limit`` of ``roster`` over these schools: the caller
    names the few schools a page of a district's roster falls in (``paging.spread``), so that
    only their staff are read, not the district's 10,000 to sort them."""
    return roster(school_ids, on, status).limit(limit).offset(offset)


def status_counts_by_school(school_ids: Iterable[int] | None, on: date) -> Select:
    """(school id, status value, people) over the same staff as ``roster``."""
    staff = _staff_statuses(school_ids, on).subquery()
    return select(staff.c.school_id, staff.c.status, func.count()).group_by(
        staff.c.school_id, staff.c.status
    )


# ---- a session's attendance roster, a page at a time ------------------------------------------


def _staff_ids(school_ids: Iterable[int]) -> Select:
    """The ids of people who hold a staff role at any of the schools."""
    return select(RoleAssignment.user_id).where(
        RoleAssignment.school_id.in_(list(school_ids)), RoleAssignment.role.in_(STAFF_ROLES)
    )


def _session_people(session_id: int, school_ids: Iterable[int]):
    """Who a session's roster holds: the invited schools' active staff, and anyone marked
    present (walk-ins, and staff who left since)."""
    present = select(Attendance.user_id).where(Attendance.session_id == session_id)
    return or_(
        and_(User.active.is_(True), User.id.in_(_staff_ids(school_ids))), User.id.in_(present)
    )


def _session_filters(school_id: int | None, name: str | None) -> list:
    where = []
    if school_id is not None:
        where.append(User.id.in_(_staff_ids([school_id])))
    if name:
        where.append(User.name.icontains(name, autoescape=True))
    return where


def session_roster(
    session_id: int,
    school_ids: Iterable[int],
    school_id: int | None = None,
    name: str | None = None,
) -> Select:
    """(person, present?, id of their completion of the session or None) for the session's
    roster, by name; ``school_id`` keeps the staff of one school, ``name`` a part of a name."""
    present = exists().where(Attendance.session_id == session_id, Attendance.user_id == User.id)
    completion = (
        select(TrainingCompletion.id)
        .where(TrainingCompletion.session_id == session_id, TrainingCompletion.user_id == User.id)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(User, present.label("present"), completion.label("completion_id"))
        .where(_session_people(session_id, school_ids), *_session_filters(school_id, name))
        .order_by(User.name, User.id)
    )


def session_counts(
    session_id: int,
    school_ids: Iterable[int],
    school_id: int | None = None,
    name: str | None = None,
) -> Select:
    """(people on the roster, people marked present, people the filters keep) in one row."""
    school_ids = list(school_ids)
    everyone = _session_people(session_id, school_ids)
    filters = _session_filters(school_id, name)
    shown = (
        select(func.count()).select_from(User).where(everyone, *filters).scalar_subquery()
        if filters
        else None
    )
    total = select(func.count()).select_from(User).where(everyone).scalar_subquery()
    present = (
        select(func.count())
        .select_from(Attendance)
        .where(Attendance.session_id == session_id)
        .scalar_subquery()
    )
    return select(total, present, shown if shown is not None else total)
