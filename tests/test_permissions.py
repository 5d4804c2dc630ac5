"""Permissions, walked route by route and role by role.

Every route must declare a permission (``@requires`` or ``@public``), and every route must have
rows in ``MATRIX`` below: adding a route without deciding who may use it fails here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp import policy
from fieldapp.extensions import db
from fieldapp.models import (
    ClassTeacher,
    Family,
    FollowUp,
    Role,
    RosterImport,
    SchoolClass,
    Student,
    TrainingCompletion,
    TrainingKind,
    TrainingSession,
    User,
    VisitMode,
    VisitStatus,
)
from fieldapp.policy import API_TOKEN, PUBLIC
from tests.conftest import base_config, derived_template
from tests.factories import make_school, make_user, make_visit

ROLES = ["visitor", "other_visitor", "coordinator", "other_coordinator", "trainer", "admin"]


@dataclass
class World:
    users: dict
    ids: dict


@dataclass(frozen=True)
class Person:
    id: int
    email: str


def _build_world() -> World:
    """Two schools, a person of each role, a visit at each school, a follow-up, a training
    session, a roster import: made once per test process (``world_template``)."""
    a, b = make_school(), make_school()
    visitor = make_user(Role.VISITOR, a)
    partner = make_user(Role.VISITOR, a)
    other_b = make_user(Role.VISITOR, b)
    users = {
        "visitor": visitor,
        "other_visitor": make_user(Role.VISITOR, a),  # same school, not on the team
        "coordinator": make_user(Role.COORDINATOR, a),
        "other_coordinator": make_user(Role.COORDINATOR, b),
        "trainer": make_user(Role.TRAINER),
        "admin": make_user(Role.ADMIN),
    }
    # A visit that happened an hour ago, waiting for its reflection.
    visit_a = make_visit(
        a,
        team=[visitor, partner],
        status=VisitStatus.SCHEDULED,
        mode=VisitMode.HOME,
        scheduled_start=datetime.now(UTC) - timedelta(hours=1),
        family_agreed_at=datetime.now(UTC) - timedelta(days=3),
    )
    follow_up = FollowUp(
        family_id=visit_a.family_id,
        visit=visit_a,
        owner=visitor,
        description="Send the library form",
        due_on=date.today(),
    )
    db.session.add(follow_up)
    session = TrainingSession(
        title="Foundational",
        kind=TrainingKind.FOUNDATIONAL,
        starts_at=datetime.now(UTC) - timedelta(days=30),
        ends_at=datetime.now(UTC) - timedelta(days=30) + timedelta(hours=3),
        schools=[a],
    )
    db.session.add(session)
    db.session.flush()
    completion = db.session.scalar(
        select(TrainingCompletion).where(TrainingCompletion.user_id == visitor.id)
    )
    visit_b = make_visit(b, team=[other_b, make_user(Role.VISITOR, b)])
    roster_import = RosterImport(filename="roster.zip", school_id=a.id)
    db.session.add(roster_import)
    db.session.commit()
    ids = {
        "school_a": a.id,
        "school_b": b.id,
        "visit_a": visit_a.id,
        "visit_b": visit_b.id,
        "family_a": visit_a.family_id,
        "family_b": visit_b.family_id,
        "follow_up": follow_up.id,
        "session": session.id,
        "completion": completion.id,
        "visitor_id": visitor.id,
        "round_a": visit_a.round_id,
        "student_a": visit_a.students[0].id,
        "student_b": visit_b.students[0].id,
        "round_b": visit_b.round_id,
        "import_a": roster_import.id,
    }
    return World({role: Person(u.id, u.email) for role, u in users.items()}, ids)


@pytest.fixture(scope="session")
def world_template(tmp_path_factory, migrated_db):
    return derived_template(migrated_db, tmp_path_factory.mktemp("world"), "world", _build_world)


@pytest.fixture
def app_config(tmp_path, world_template):
    """Every test here starts from a copy of the world (conftest's ``app_config``, with data)."""
    template, _world = world_template
    url = template.for_test()
    yield base_config(url, tmp_path / "instance")
    template.drop(url)


@pytest.fixture
def world(app, world_template) -> World:
    return world_template[1]


# (endpoint, method, url template, {role: expected status}); roles left out expect 403.
MATRIX = [
    ("auth.index", "GET", "/", dict.fromkeys(ROLES, 302)),
    ("auth.account", "GET", "/account", dict.fromkeys(ROLES, 200)),
    # No language chosen in the post: the form says so.
    ("auth.account_language", "POST", "/account/language", dict.fromkeys(ROLES, 422)),
    ("auth.reauthenticate", "GET", "/reauthenticate", dict.fromkeys(ROLES, 200)),
    ("auth.logout", "POST", "/logout", dict.fromkeys(ROLES, 303)),
    ("visits.my_visits", "GET", "/visits/", {"visitor": 200, "other_visitor": 200}),
    # The private calendar feed: visitors make (201: the page with the link) or turn off their
    # own; the GET is where the password page sends them back. The feed itself is public.
    (
        "calendar_feed.open_link",
        "POST",
        "/account/calendar-feed",
        {"visitor": 201, "other_visitor": 201},
    ),
    (
        "calendar_feed.open_link",
        "GET",
        "/account/calendar-feed",
        {"visitor": 302, "other_visitor": 302},
    ),
    (
        "calendar_feed.turn_off",
        "POST",
        "/account/calendar-feed/off",
        {"visitor": 303, "other_visitor": 303},
    ),
    (
        "visits.detail",
        "GET",
        "/visits/{visit_a}",
        {"visitor": 200, "other_visitor": 404, "coordinator": 200, "other_coordinator": 404},
    ),
    (
        "visits.detail",
        "GET",
        "/visits/{visit_b}",
        {"visitor": 404, "other_visitor": 404, "coordinator": 404, "other_coordinator": 200},
    ),
    (
        "visits.detail",
        "GET",
        "/visits/999999",
        {"visitor": 404, "other_visitor": 404, "coordinator": 404, "other_coordinator": 404},
    ),
    (
        "visits.add_contact",
        "POST",
        "/visits/{visit_a}/contacts",
        {"visitor": 422, "other_visitor": 404},
    ),
    (
        "visits.add_contact",
        "POST",
        "/visits/{visit_b}/contacts",
        {"visitor": 404, "other_visitor": 404},
    ),
    (
        "visits.schedule",
        "GET",
        "/visits/{visit_a}/schedule",
        {"visitor": 200, "other_visitor": 404},
    ),
    (
        "visits.schedule",
        "POST",
        "/visits/{visit_a}/schedule",
        {"visitor": 422, "other_visitor": 404},
    ),
    (
        "visits.reschedule",
        "POST",
        "/visits/{visit_a}/reschedule",
        {"visitor": 422, "other_visitor": 404},
    ),
    (
        "visits.cancel",
        "POST",
        "/visits/{visit_a}/cancel",
        {"visitor": 422, "other_visitor": 404, "coordinator": 422, "other_coordinator": 404},
    ),
    (
        "visits.reflection",
        "POST",
        "/visits/{visit_a}/reflection",
        {"visitor": 422, "other_visitor": 404},
    ),
    (
        "visits.reschedule",
        "GET",
        "/visits/{visit_a}/reschedule",
        {"visitor": 200, "other_visitor": 404},
    ),
    (
        "visits.cancel",
        "GET",
        "/visits/{visit_a}/cancel",
        {"visitor": 200, "other_visitor": 404, "coordinator": 200, "other_coordinator": 404},
    ),
    (
        "visits.calendar",
        "GET",
        "/visits/{visit_a}/calendar.ics",
        {"visitor": 200, "other_visitor": 404, "coordinator": 200, "other_coordinator": 404},
    ),
    (
        "visits.reflection",
        "GET",
        "/visits/{visit_a}/reflection",
        {"visitor": 200, "other_visitor": 404},
    ),
    (
        "visits.reflection",
        "GET",
        "/visits/{visit_b}/reflection",
        {"visitor": 404, "other_visitor": 404},
    ),
    (
        "visits.save_draft",
        "POST",
        "/visits/{visit_a}/reflection/draft",
        {"visitor": 303, "other_visitor": 404},
    ),
    (
        "visits.merge_reflections",
        "GET",
        "/visits/{visit_a}/reflection/merge",
        {"visitor": 303, "other_visitor": 404},
    ),
    # The team's private note: the team alone (visit_a has no reflection yet: back to the visit).
    (
        "visits.private_note",
        "GET",
        "/visits/{visit_a}/private-note",
        {"visitor": 303, "other_visitor": 404},
    ),
    (
        "visits.private_note",
        "POST",
        "/visits/{visit_a}/private-note",
        {"visitor": 303, "other_visitor": 404},
    ),
    (
        "visits.private_note",
        "GET",
        "/visits/{visit_b}/private-note",
        {"visitor": 404, "other_visitor": 404},
    ),
    # The phone's sync calls: visitors only; each item is then checked against its visit.
    ("sync.receive", "POST", "/sync", {"visitor": 400, "other_visitor": 400}),
    ("sync.token", "GET", "/sync/token", {"visitor": 200, "other_visitor": 200}),
    ("sync.pages", "GET", "/sync/pages", {"visitor": 200, "other_visitor": 200}),
    (
        "families.card",
        "GET",
        "/families/{family_a}",
        {"visitor": 200, "other_visitor": 404, "coordinator": 200, "other_coordinator": 404},
    ),
    (
        "families.card",
        "GET",
        "/families/{family_b}",
        {"visitor": 404, "other_visitor": 404, "coordinator": 404, "other_coordinator": 200},
    ),
    (
        "families.follow_up_done",
        "POST",
        "/follow-ups/{follow_up}/done",
        {"visitor": 303, "other_visitor": 404, "coordinator": 404, "other_coordinator": 404},
    ),
    ("schools.home", "GET", "/schools/", {"coordinator": 302, "other_coordinator": 302}),
    (
        "schools.dashboard",
        "GET",
        "/schools/{school_a}/",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "schools.dashboard",
        "GET",
        "/schools/{school_b}/",
        {"coordinator": 404, "other_coordinator": 200},
    ),
    # Messages to families: the invitation for the visit's team and its school's coordinators;
    # the school's texts for its coordinators.
    (
        "messages.invitation",
        "GET",
        "/visits/{visit_a}/invitation",
        {"visitor": 200, "other_visitor": 404, "coordinator": 200, "other_coordinator": 404},
    ),
    (
        "messages.invitation",
        "GET",
        "/visits/{visit_b}/invitation",
        {"visitor": 404, "other_visitor": 404, "coordinator": 404, "other_coordinator": 200},
    ),
    # Offering times to the family: the visit's team alone (a coordinator may not).
    (
        "offers.offer",
        "GET",
        "/visits/{visit_a}/offer",
        {"visitor": 200, "other_visitor": 404},
    ),
    (
        "offers.offer",
        "POST",
        "/visits/{visit_a}/offer",
        {"visitor": 422, "other_visitor": 404},
    ),
    (
        "offers.revoke",
        "POST",
        "/visits/{visit_a}/offer/revoke",
        {"visitor": 303, "other_visitor": 404},
    ),
    (
        "messages.index",
        "GET",
        "/schools/{school_a}/messages",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "messages.edit",
        "GET",
        "/schools/{school_a}/messages/invitation/es",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "messages.edit",
        "GET",
        "/schools/{school_a}/messages/nonsense/es",
        {"coordinator": 404, "other_coordinator": 404},
    ),
    (
        "messages.edit",
        "POST",
        "/schools/{school_a}/messages/invitation/es",
        {"coordinator": 422, "other_coordinator": 404},
    ),
    (
        "messages.reset",
        "POST",
        "/schools/{school_a}/messages/invitation/es/reset",
        {"coordinator": 303, "other_coordinator": 404},
    ),
    ("training.home", "GET", "/training/", {"trainer": 200}),
    (
        "rounds.index",
        "GET",
        "/schools/{school_a}/rounds",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "rounds.new",
        "GET",
        "/schools/{school_a}/rounds/new",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    ("rounds.board", "GET", "/rounds/{round_a}", {"coordinator": 200, "other_coordinator": 404}),
    ("rounds.board", "GET", "/rounds/{round_b}", {"coordinator": 404, "other_coordinator": 200}),
    (
        "rounds.assign",
        "POST",
        "/rounds/{round_a}/assign",
        {"coordinator": 422, "other_coordinator": 404},
    ),
    # Nothing ticked (422), nothing to undo (409): the board says so.
    (
        "rounds.unassign",
        "POST",
        "/rounds/{round_a}/unassign",
        {"coordinator": 422, "other_coordinator": 404},
    ),
    (
        "rounds.undo",
        "POST",
        "/rounds/{round_a}/undo",
        {"coordinator": 409, "other_coordinator": 404},
    ),
    (
        "rounds.close",
        "POST",
        "/rounds/{round_a}/close",
        {"coordinator": 303, "other_coordinator": 404},
    ),
    (
        "schools.hours",
        "GET",
        "/schools/{school_a}/hours",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "schools.hours_csv",
        "GET",
        "/schools/{school_a}/hours.csv",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "schools.mark_exported",
        "POST",
        "/schools/{school_a}/hours/export",
        {"coordinator": 303, "other_coordinator": 404},
    ),
    (
        "schools.pay_settings",
        "POST",
        "/schools/{school_a}/hours/settings",
        {"coordinator": 303, "other_coordinator": 404},
    ),
    (
        "families.roster",
        "GET",
        "/schools/{school_a}/roster",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "families.roster",
        "GET",
        "/schools/{school_b}/roster",
        {"coordinator": 404, "other_coordinator": 200},
    ),
    (
        "families.roster_csv",
        "GET",
        "/schools/{school_a}/roster.csv",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "families.new_family",
        "GET",
        "/schools/{school_a}/families/new",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "families.new_family",
        "POST",
        "/schools/{school_a}/families/new",
        {"coordinator": 422, "other_coordinator": 404},
    ),
    (
        "families.edit_family",
        "GET",
        "/families/{family_a}/edit",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "families.edit_family",
        "POST",
        "/families/{family_a}/edit",
        {"coordinator": 422, "other_coordinator": 404},
    ),
    (
        "families.edit_family",
        "GET",
        "/families/{family_b}/edit",
        {"coordinator": 404, "other_coordinator": 200},
    ),
    (
        "families.set_language",
        "GET",
        "/families/{family_a}/language",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "families.set_language",
        "POST",
        "/families/{family_a}/language",
        {"coordinator": 422, "other_coordinator": 404},
    ),
    (
        "families.new_student",
        "GET",
        "/schools/{school_a}/students/new",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "families.new_student",
        "POST",
        "/schools/{school_a}/students/new",
        {"coordinator": 422, "other_coordinator": 404},
    ),
    (
        "families.edit_student",
        "GET",
        "/students/{student_a}/edit",
        {"coordinator": 200, "other_coordinator": 404},
    ),
    (
        "families.edit_student",
        "POST",
        "/students/{student_a}/edit",
        {"coordinator": 422, "other_coordinator": 404},
    ),
    (
        "families.edit_student",
        "GET",
        "/students/{student_b}/edit",
        {"coordinator": 404, "other_coordinator": 200},
    ),
    ("training.new_session", "GET", "/training/sessions/new", {"trainer": 200}),
    ("training.session", "GET", "/training/sessions/{session}", {"trainer": 200}),
    ("training.session", "GET", "/training/sessions/999999", {"trainer": 404}),
    (
        "training.mark_present",
        "POST",
        "/training/sessions/{session}/present/{visitor_id}",
        {"trainer": 303},
    ),
    ("training.walk_ins", "GET", "/training/sessions/{session}/walk-ins?q=Per", {"trainer": 200}),
    ("training.complete", "POST", "/training/sessions/{session}/complete", {"trainer": 303}),
    ("training.import_attendance", "GET", "/training/sessions/{session}/import", {"trainer": 200}),
    # The visitor's completion is not of this session: nothing to take back.
    (
        "training.take_back",
        "GET",
        "/training/sessions/{session}/completions/{visitor_id}/take-back",
        {"trainer": 404},
    ),
    (
        "training.take_back",
        "POST",
        "/training/sessions/999999/completions/{visitor_id}/take-back",
        {"trainer": 404},
    ),
    ("training.settings", "GET", "/training/settings", {"trainer": 200}),
    (
        "training.roster",
        "GET",
        "/training/roster",
        {"trainer": 200, "coordinator": 200, "other_coordinator": 200},
    ),
    (
        "training.roster",
        "GET",
        "/training/roster?school={school_b}",
        {"trainer": 200, "coordinator": 404, "other_coordinator": 200},
    ),
    (
        "training.roster_csv",
        "GET",
        "/training/roster.csv",
        {"trainer": 200, "coordinator": 200, "other_coordinator": 200},
    ),
    (
        "training.mine",
        "GET",
        "/training/me",
        {"visitor": 200, "other_visitor": 200, "coordinator": 200, "other_coordinator": 200},
    ),
    (
        "training.certificate",
        "GET",
        "/training/completions/{completion}/certificate",
        {
            "visitor": 200,
            "other_visitor": 404,
            "coordinator": 200,
            "other_coordinator": 404,
            "trainer": 200,
            "admin": 404,
        },
    ),
    ("admin.home", "GET", "/admin/", {"admin": 200}),
    ("admin.schools", "GET", "/admin/schools", {"admin": 200}),
    ("admin.schools", "GET", "/admin/schools?q=" + "x" * 101, {"admin": 422}),
    ("privacy.home", "GET", "/admin/privacy/", {"admin": 200}),
    ("privacy.audit_trail", "GET", "/admin/privacy/audit", {"admin": 200}),
    ("privacy.audit_csv", "GET", "/admin/privacy/audit.csv", {"admin": 200}),
    ("privacy.families", "GET", "/admin/privacy/families?q=Family", {"admin": 200}),
    ("privacy.family", "GET", "/admin/privacy/families/{family_a}", {"admin": 200}),
    ("privacy.family", "GET", "/admin/privacy/families/999999", {"admin": 404}),
    (
        "privacy.family_export",
        "GET",
        "/admin/privacy/families/{family_a}/export.json",
        {"admin": 200},
    ),
    ("privacy.erase", "GET", "/admin/privacy/families/{family_a}/erase", {"admin": 200}),
    ("privacy.erase", "POST", "/admin/privacy/families/{family_a}/erase", {"admin": 422}),
    ("privacy.settings", "GET", "/admin/privacy/settings", {"admin": 200}),
    ("privacy.save_settings", "POST", "/admin/privacy/settings", {"admin": 303}),
    ("admin.set_active", "POST", "/admin/users/{visitor_id}/active", {"admin": 303}),
    ("admin.set_active", "POST", "/admin/users/999999/active", {"admin": 404}),
    ("admin.unlock", "POST", "/admin/users/{visitor_id}/unlock", {"admin": 303}),
    ("admin.send_sign_in_link", "POST", "/admin/users/{visitor_id}/sign-in-link", {"admin": 303}),
    ("admin.send_sign_in_link", "POST", "/admin/users/999999/sign-in-link", {"admin": 404}),
    ("admin.person", "GET", "/admin/users/{visitor_id}", {"admin": 200}),
    ("admin.person", "GET", "/admin/users/999999", {"admin": 404}),
    ("admin.person", "POST", "/admin/users/{visitor_id}", {"admin": 422}),
    ("admin.disable", "GET", "/admin/users/{visitor_id}/disable", {"admin": 200}),
    ("admin.disable", "GET", "/admin/users/999999/disable", {"admin": 404}),
    ("admin.confirm_disable", "POST", "/admin/users/999999/disable", {"admin": 404}),
    (
        "admin.new_account",
        "GET",
        "/admin/accounts/new",
        {"admin": 200, "coordinator": 200, "other_coordinator": 200},
    ),
    # Reports: coordinators for their own schools, admins for the district, trainers training.
    (
        "reports.report",
        "GET",
        "/reports/",
        {"coordinator": 200, "other_coordinator": 200, "admin": 200},
    ),
    (
        "reports.report",
        "GET",
        "/reports/?school={school_a}",
        {"coordinator": 200, "other_coordinator": 404, "admin": 200},
    ),
    (
        "reports.report",
        "GET",
        "/reports/?school={school_b}&round={round_b}",
        {"coordinator": 404, "other_coordinator": 200, "admin": 200},
    ),
    (
        "reports.report",
        "GET",
        "/reports/?school=999999",
        {"coordinator": 404, "other_coordinator": 404, "admin": 404},
    ),
    (
        "reports.impact_report",
        "GET",
        "/reports/impact?school={school_a}",
        {"coordinator": 200, "other_coordinator": 404, "admin": 200},
    ),
    (
        "reports.impact_report",
        "GET",
        "/reports/impact?school=999999",
        {"coordinator": 404, "other_coordinator": 404, "admin": 404},
    ),
    (
        "reports.impact_csv",
        "GET",
        "/reports/impact/impact-chronic.csv?school={school_a}",
        {"coordinator": 200, "other_coordinator": 404, "admin": 200},
    ),
    (
        "reports.impact_csv",
        "GET",
        "/reports/impact/unknown.csv",
        {"coordinator": 404, "other_coordinator": 404, "admin": 404},
    ),
    (
        "reports.chart_csv",
        "GET",
        "/reports/data/visits.csv?school={school_a}",
        {"coordinator": 200, "other_coordinator": 404, "admin": 200},
    ),
    (
        "reports.chart_csv",
        "GET",
        "/reports/data/coverage-grade.csv",
        {"coordinator": 200, "other_coordinator": 200, "admin": 200},
    ),
    ("reports.district", "GET", "/reports/district", {"admin": 200}),
    ("reports.district_csv", "GET", "/reports/district.csv", {"admin": 200}),
    ("reports.training", "GET", "/reports/training", {"trainer": 200, "admin": 200}),
    (
        "reports.training",
        "GET",
        "/reports/training?school=999999",
        {"trainer": 404, "admin": 404},
    ),
    ("reports.training_csv", "GET", "/reports/training.csv", {"trainer": 200, "admin": 200}),
    # Roster imports: admins into any school; coordinators into theirs, and see only theirs.
    (
        "roster.index",
        "GET",
        "/roster-imports/",
        {"coordinator": 200, "other_coordinator": 200, "admin": 200},
    ),
    (
        "roster.index",
        "POST",
        "/roster-imports/",
        {"coordinator": 422, "other_coordinator": 422, "admin": 422},
    ),
    (
        "roster.template",
        "GET",
        "/roster-imports/template.csv",
        {"coordinator": 200, "other_coordinator": 200, "admin": 200},
    ),
    (
        "roster.attendance_template",
        "GET",
        "/roster-imports/attendance-template.csv",
        {"coordinator": 200, "other_coordinator": 200, "admin": 200},
    ),
    (
        "roster.detail",
        "GET",
        "/roster-imports/{import_a}",
        {"coordinator": 200, "other_coordinator": 404, "admin": 200},
    ),
    (
        "roster.detail",
        "GET",
        "/roster-imports/999999",
        {"coordinator": 404, "other_coordinator": 404, "admin": 404},
    ),
    (
        "roster.apply",
        "POST",
        "/roster-imports/{import_a}/apply",
        {"coordinator": 409, "other_coordinator": 404, "admin": 409},
    ),
    # Relationship data out: the school's coordinators, admins for any school.
    (
        "exports.relationships",
        "GET",
        "/schools/{school_a}/relationships",
        {"coordinator": 200, "other_coordinator": 404, "admin": 200},
    ),
    (
        "exports.relationships_csv",
        "GET",
        "/schools/{school_a}/relationships.csv?start=2026-01-01&end=2026-12-31",
        {"coordinator": 200, "other_coordinator": 404, "admin": 200},
    ),
    (
        "exports.relationships_csv",
        "GET",
        "/schools/999999/relationships.csv?start=2026-01-01&end=2026-12-31",
        {"coordinator": 404, "other_coordinator": 404, "admin": 404},
    ),
    ("api_tokens.index", "GET", "/admin/api-tokens/", {"admin": 200}),
    ("admin.sign_in_methods", "GET", "/admin/sign-in", {"admin": 200}),
    ("admin.sign_in_methods", "POST", "/admin/sign-in", {"admin": 303}),
    ("api_tokens.create", "POST", "/admin/api-tokens/", {"admin": 422}),
    ("api_tokens.revoke", "POST", "/admin/api-tokens/999999/revoke", {"admin": 404}),
]
PUBLIC_ROUTES = {
    "auth.login": "/login",
    "auth.forgot_password": "/password/forgot",
    "auth.reset_password": None,
    "auth.choose_language": None,  # a redirect back, with the language cookie
    "health.healthz": "/healthz",
    "static": None,
    "shell.service_worker": "/sw.js",
    "shell.manifest": "/manifest.webmanifest",
    "shell.offline": "/offline",
    "calendar_feed.feed": None,  # the link's token is the key (tests/visits)
    "offers.family": None,  # the family's link: its token is the key (tests/offers)
    "api.openapi": "/api/v1/openapi.json",
    # Sign-in with the district's account: 404 here (no provider configured); tests/auth/oidc.
    "oidc.start": None,
    "oidc.callback": None,
    "oidc.provider_sign_out": None,
}
# The API for the school's systems: a bearer token decides (tests/api), never a session.
API_ROUTES = {
    "api.visits": "/api/v1/visits",
    "api.follow_ups": "/api/v1/follow-ups",
    "api.relationship_cards_list": "/api/v1/relationship-cards",
    "api.relationship_card": "/api/v1/relationship-cards/{student_a}",
}
# Called by the app's own script, not opened by people: a signed-out call is a 401 in JSON
# (the phone keeps its queue until the same person signs in again), never a redirect.
JSON_API = {"sync.receive", "sync.token", "sync.pages"}

CASES = [
    pytest.param(
        endpoint, method, url, role, expected.get(role, 403), id=f"{method} {url} as {role}"
    )
    for endpoint, method, url, expected in MATRIX
    for role in ROLES
]


@pytest.mark.parametrize(("endpoint", "method", "url", "role", "status"), CASES)
def test_route_for_role(world, client, login, endpoint, method, url, role, status):
    login(world.users[role])
    response = client.open(url.format(**world.ids), method=method)
    assert response.status_code == status, response.data[:300]


@pytest.mark.parametrize(
    ("endpoint", "method", "url", "expected"), MATRIX, ids=[f"{m} {u}" for _, m, u, _ in MATRIX]
)
def test_signed_out_people_are_sent_to_sign_in(world, client, endpoint, method, url, expected):
    response = client.open(url.format(**world.ids), method=method)
    if endpoint in JSON_API:
        assert response.status_code == 401 and response.json["error"] == "signed_out"
        return
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_every_route_declares_a_permission_and_is_in_the_matrix(app):
    tested = {endpoint for endpoint, *_ in MATRIX}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "permission", None)
        assert permission is not None, f"{rule.rule} declares no permission"
        if permission is PUBLIC:
            assert rule.endpoint in PUBLIC_ROUTES, f"{rule.rule} is public but not listed"
        elif permission is API_TOKEN:
            assert rule.endpoint in API_ROUTES, f"{rule.rule} takes a token but is not listed"
        else:
            assert rule.endpoint in tested, f"{rule.rule} has no rows in the permission matrix"


@pytest.mark.parametrize("url", [u for u in PUBLIC_ROUTES.values() if u])
def test_public_routes_need_no_sign_in(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", [None, *ROLES])
@pytest.mark.parametrize("url", API_ROUTES.values())
def test_api_routes_want_a_token_not_a_session(world, client, login, url, role):
    if role:
        login(world.users[role])
    response = client.get(url.format(**world.ids))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_forbidden_page_is_a_styled_page_not_a_bare_error(world, client, login):
    login(world.users["trainer"])
    response = client.get("/visits/")
    assert response.status_code == 403
    assert b"Not for your role" in response.data and b"<nav" in response.data


def test_refused_access_is_audited(world, db, client, login):
    from fieldapp.models import AuditEvent

    login(world.users["trainer"])
    client.get("/visits/{visit_a}".format(**world.ids))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access.refused"))
    assert event.actor_id == world.users["trainer"].id and not event.success
    assert event.detail["status"] == 403


# ---- permissions without a route of their own ---------------------------------------------------


@pytest.mark.parametrize(
    ("who", "card", "attendance"),
    [
        ("teacher", True, True),
        ("coordinator", True, True),
        ("visitor", True, False),  # visits the family, does not teach the student
        ("former_teacher", False, False),  # their class with the student has ended
        ("other_visitor", False, False),
        ("other_coordinator", False, False),
        ("trainer", False, False),
        ("admin", False, False),  # the district sees a family's record on the privacy pages
    ],
)
def test_a_students_attendance_is_for_their_teachers_and_coordinators(world, who, card, attendance):
    student = db.session.get(Student, world.ids["student_a"])
    if who in ("teacher", "former_teacher"):
        person = make_user(Role.VISITOR, student.school)
        school_class = SchoolClass(
            school=student.school, name=f"Class of {person.id}", active=who == "teacher"
        )
        db.session.add(school_class)
        db.session.flush()
        db.session.add(ClassTeacher(class_id=school_class.id, user_id=person.id))
        student.classes.append(school_class)
        db.session.flush()
    else:
        person = db.session.get(User, world.users[who].id)
    family = db.session.get(Family, world.ids["family_a"])
    assert policy.view_family.allows(person, family) is card
    assert policy.view_attendance.allows(person, student) is attendance
