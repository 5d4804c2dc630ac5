"""Who may see and do what, decided here and nowhere else.

A ``Permission`` names the roles that may use a route at all (anyone else gets 403) and, for a
route about one object, a check of that object (a miss gets 404, so that nobody learns what
exists at another school or in another pair's visits). Every route declares one with
``@requires``, or ``@public`` for the few that need no sign-in; a test fails for a route that
declares neither.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import exists, select

from fieldapp import audit
from fieldapp.extensions import db, login_manager
from fieldapp.i18n import gettext as _
from fieldapp.models import (
    Family,
    FollowUp,
    Role,
    RosterImport,
    Round,
    School,
    Student,
    TeamMember,
    TrainingCompletion,
    User,
    Visit,
)

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Permission:
    name: str
    roles: frozenset[Role]
    check: Callable[..., bool] | None = None

    def role_allows(self, user: User) -> bool:
        return bool(user.role_set & self.roles)

    def allows(self, user: User, *objects: Any) -> bool:
        if not user.is_authenticated or not self.role_allows(user):
            return False
        return self.check is None or self.check(user, *objects)


# ---- object checks ----------------------------------------------------------------------------


def _on_team(user: User, visit: Visit) -> bool:
    return any(m.user_id == user.id for m in visit.team)


def _coordinates(user: User, school_id: int) -> bool:
    return school_id in user.school_ids(Role.COORDINATOR)


def _may_view_visit(user: User, visit: Visit) -> bool:
    return _on_team(user, visit) or _coordinates(user, visit.school_id)


def _may_view_school(user: User, school: School) -> bool:
    return _coordinates(user, school.id)


def _teaches(user: User, family: Family) -> bool:
    """A teacher of record of one of the family's current students, in a current class."""
    return any(
        user in c.teachers for s in family.students if s.active for c in s.classes if c.active
    )


def _visited(user: User, family: Family) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    TeamMember.user_id == user.id,
                    TeamMember.visit_id == Visit.id,
                    Visit.family_id == family.id,
                )
            )
        )
    )


def _may_view_family(user: User, family: Family) -> bool:
    """The relationship card: the teams that visit the family, the teachers of record of its
    students, and the coordinators of their schools — nobody else."""
    coordinated = user.school_ids(Role.COORDINATOR)
    if any(s.school_id in coordinated for s in family.students if s.active):
        return True
    return _visited(user, family) or _teaches(user, family)


def _owns(user: User, follow_up: FollowUp) -> bool:
    return follow_up.owner_id == user.id


def _may_view_certificate(user: User, completion: TrainingCompletion) -> bool:
    if user.has_role(Role.TRAINER) or completion.user_id == user.id:
        return True
    theirs = {a.school_id for a in completion.user.roles if a.school_id is not None}
    return bool(theirs & user.school_ids(Role.COORDINATOR))


def _coordinates_family(user: User, family: Family) -> bool:
    """A family is the coordinator's when one of its active students is at their school."""
    coordinated = user.school_ids(Role.COORDINATOR)
    return any(s.school_id in coordinated for s in family.students if s.active)


def _coordinates_student(user: User, student: Student) -> bool:
    return _coordinates(user, student.school_id)


def _coordinates_round(user: User, round_: Round) -> bool:
    return _coordinates(user, round_.school_id)


def _may_see_import(user: User, job: RosterImport) -> bool:
    """Admins see every roster import; coordinators those into their schools."""
    if user.has_role(Role.ADMIN):
        return True
    return job.school_id is not None and _coordinates(user, job.school_id)


def _exports_school(user: User, school: School) -> bool:
    return user.has_role(Role.ADMIN) or _coordinates(user, school.id)


def _teaches_student(user: User, student: Student) -> bool:
    """A teacher of record of the student, in a current class."""
    return any(user in c.teachers for c in student.classes if c.active)


def _may_view_attendance(user: User, student: Student) -> bool:
    """A student's attendance, month by month, is part of the student's own record: the
    student's teachers of record and the coordinators of the student's school see it. The
    family's card also opens to the teams that visit the family and to the teachers and
    coordinators of a sibling: they do not see it."""
    return _coordinates(user, student.school_id) or _teaches_student(user, student)


# ---- the permissions --------------------------------------------------------------------------

signed_in = Permission("signed_in", ALL_ROLES)
view_my_visits = Permission("view_my_visits", frozenset({Role.VISITOR}))
# A private calendar feed of one's own scheduled visits: visitors. Calendar apps cannot sign
# in, so the feed's link is checked against this too, each time it is fetched.
calendar_feed = Permission("calendar_feed", frozenset({Role.VISITOR}))
view_visit = Permission("view_visit", frozenset({Role.VISITOR, Role.COORDINATOR}), _may_view_visit)
# Contacting, scheduling and reflecting: the team alone. Cancelling: the team or a coordinator.
work_on_visit = Permission("work_on_visit", frozenset({Role.VISITOR}), _on_team)
# The team's private note (read on the visit page, corrected on its own page): the visit's team
# alone. Not its school's coordinator, not the student's other teachers, not the district's
# admin: a note the pair keeps for themselves is not part of the shared record (domain.md).
team_private_note = Permission("team_private_note", frozenset({Role.VISITOR}), _on_team)
# Sending what was written offline: visitors; each item is then checked with work_on_visit.
sync_items = Permission("sync_items", frozenset({Role.VISITOR}))
cancel_visit = Permission(
    "cancel_visit", frozenset({Role.VISITOR, Role.COORDINATOR}), _may_view_visit
)
complete_follow_up = Permission(
    "complete_follow_up", frozenset({Role.VISITOR, Role.COORDINATOR}), _owns
)
view_family = Permission(
    "view_family", frozenset({Role.VISITOR, Role.COORDINATOR}), _may_view_family
)
coordinate = Permission("coordinate", frozenset({Role.COORDINATOR}))
coordinate_school = Permission("coordinate_school", frozenset({Role.COORDINATOR}), _may_view_school)
coordinate_family = Permission(
    "coordinate_family", frozenset({Role.COORDINATOR}), _coordinates_family
)
coordinate_student = Permission(
    "coordinate_student", frozenset({Role.COORDINATOR}), _coordinates_student
)
coordinate_round = Permission("coordinate_round", frozenset({Role.COORDINATOR}), _coordinates_round)
train = Permission("train", frozenset({Role.TRAINER}))
view_trained_roster = Permission("view_trained_roster", frozenset({Role.TRAINER, Role.COORDINATOR}))
own_training = Permission("own_training", frozenset({Role.VISITOR, Role.COORDINATOR}))
view_certificate = Permission("view_certificate", ALL_ROLES, _may_view_certificate)
administer = Permission("administer", frozenset({Role.ADMIN}))
# Roster imports: admins into any school, coordinators into their own.
import_roster = Permission("import_roster", frozenset({Role.ADMIN, Role.COORDINATOR}))
view_roster_import = Permission(
    "view_roster_import", frozenset({Role.ADMIN, Role.COORDINATOR}), _may_see_import
)
create_accounts = Permission("create_accounts", frozenset({Role.ADMIN, Role.COORDINATOR}))
# Reports: coordinators for their schools, admins for the district, trainers for training.
view_reports = Permission("view_reports", frozenset({Role.COORDINATOR, Role.ADMIN}))
view_district_report = Permission("view_district_report", frozenset({Role.ADMIN}))
view_training_report = Permission("view_training_report", frozenset({Role.TRAINER, Role.ADMIN}))
# A student's attendance by month, on the family's card: the student's teachers of record and
# the coordinators of the student's school. (The impact report shows aggregates only.)
view_attendance = Permission(
    "view_attendance", frozenset({Role.VISITOR, Role.COORDINATOR}), _may_view_attendance
)
# Relationship data out to the school's systems: its coordinators, and admins for any school.
export_relationships = Permission(
    "export_relationships", frozenset({Role.COORDINATOR, Role.ADMIN}), _exports_school
)

PUBLIC = Permission("public", frozenset())
# The API for the school's systems: a bearer token of one school, no person (fieldapp.api.auth).
API_TOKEN = Permission("api_token", frozenset())


def roster_school_ids(user: User) -> set[int] | None:
    """The schools whose trained roster this person sees (None: every school)."""
    return None if user.has_role(Role.TRAINER) else user.school_ids(Role.COORDINATOR)


def import_school_ids(user: User) -> set[int] | None:
    """The schools this person may import a roster into (None: any, and new ones)."""
    return None if user.has_role(Role.ADMIN) else user.school_ids(Role.COORDINATOR)


def report_school_ids(user: User) -> set[int] | None:
    """The schools whose reports this person sees (None: every school of the district)."""
    return None if user.has_role(Role.ADMIN) else user.school_ids(Role.COORDINATOR)


def account_roles_for(user: User) -> tuple[set[Role], set[int] | None]:
    """Which roles, at which schools (None: any), this person may give a new account."""
    if user.has_role(Role.ADMIN):
        return set(Role), None
    return {Role.VISITOR}, user.school_ids(Role.COORDINATOR)


# ---- route decorators -------------------------------------------------------------------------


def _refuse(code: int, api: bool = False, **detail: Any):
    """Every refused access leaves an audit event (who, what, from where), then 403/404 (as
    JSON for ``api`` routes, which phones call, not people)."""
    audit.record(
        "access.refused",
        actor=current_user,
        success=False,
        status=code,
        path=request.path,
        **detail,
    )
    db.session.commit()
    if api:
        abort(api_error(code, "refused", _("Your account cannot use this.")))
    abort(code)


def api_error(code: int, error: str, reason: str):
    response = jsonify(error=error, reason=reason)
    response.status_code = code
    return response


def is_fresh() -> bool:
    """Signed in (with the password, not only a remembered session) within the last minutes."""
    signed_in_at = session.get("auth_at")
    limit = current_app.config["FRESH_LOGIN_MINUTES"] * 60
    return signed_in_at is not None and time.time() - signed_in_at <= limit


def requires(
    permission: Permission, *, fresh: bool = False, api: bool = False, **loaders: type
) -> Callable:
    """Guard a view: signed in, holding one of the permission's roles (else 403), and for each
    ``name=Model`` the object ``<name>_id`` from the URL loaded and checked (else 404). The view
    receives the loaded objects by name. ``fresh``: a sensitive action (exports, erasure, API
    tokens) that asks for the password again unless it was given a few minutes ago. ``api``:
    a route called by the app's own script, answered in JSON — 401 when nobody is signed in
    (not a redirect to the sign-in page: a phone must tell "session ended" apart)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(**kwargs: Any):
            if not current_user.is_authenticated:
                if api:
                    return api_error(401, "signed_out", _("Please sign in again."))
                return login_manager.unauthorized()
            if not permission.role_allows(current_user):
                _refuse(403, api=api, permission=permission.name)
            objects = []
            for name, model in loaders.items():
                obj = db.session.get(model, kwargs.pop(f"{name}_id"))
                if obj is None:
                    _refuse(404, permission=permission.name)
                kwargs[name] = obj
                objects.append(obj)
            if permission.check is not None and not permission.check(current_user, *objects):
                _refuse(
                    404,
                    permission=permission.name,
                    objects=[f"{type(o).__name__}:{o.id}" for o in objects],
                )
            if fresh and not is_fresh():
                return redirect(url_for("auth.reauthenticate", next=request.full_path))
            return view(**kwargs)

        guarded.permission = permission  # type: ignore[attr-defined]
        return guarded

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view that needs no sign-in (sign-in page, health check)."""
    view.permission = PUBLIC  # type: ignore[attr-defined]
    return view
