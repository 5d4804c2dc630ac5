"""Teachers and other staff: accounts matched by sourcedId, else by email (an account made by
hand is taken over; one another import made is refused). A new account has no password until
it is invited, so a staff member without an email is refused. Each is made staff (the visitor
role) of their schools; an import never disables an account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fieldapp.i18n import gettext as _
from fieldapp.models import RoleAssignment, User
from fieldapp.roster.changes import New
from fieldapp.roster.reconcile import reconcile, record, rows_by
from fieldapp.roster.reconcile.context import Context
from fieldapp.roster.reconcile.schools import is_school, not_a_school, school_of
from fieldapp.roster.rows import PersonRow

COLUMNS = (User.id, User.sourced_id, User.email, User.name)


class _Teachers:
    def __init__(self, ctx: Context, teachers: list[PersonRow]):
        self.ctx = ctx
        sids = [t.sourced_id for t in teachers]
        by_sid = {r.sourced_id: r for r in rows_by(User.sourced_id, sids, *COLUMNS)}
        emails = [t.email for t in teachers if t.email]
        self.by_email = {r.email: r for r in rows_by(User.email, emails, *COLUMNS)}
        # An account: the staff member's sourcedId's, else the one with their email.
        self.matches = {
            t.sourced_id: by_sid.get(t.sourced_id) or self.by_email.get(t.email) for t in teachers
        }
        users = {r.id for r in (*by_sid.values(), *self.by_email.values())}
        self.held: set[tuple[int, int]] = {
            (r.user_id, r.school_id)
            for r in rows_by(
                RoleAssignment.user_id, users, RoleAssignment.user_id, RoleAssignment.school_id
            )
            if r.school_id is not None
        }

    def placed(self, teachers: list[PersonRow]) -> Iterator[tuple[PersonRow, list]]:
        """Each staff member with their schools; one at none of them is an error or, at an
        org that is no school, a warning."""
        ctx = self.ctx
        for t in teachers:
            schools = [
                ref
                for org in t.org_ids
                if is_school(ctx, org) and (ref := school_of(ctx, org, t.where, t.name)) is not None
            ]
            if schools:
                yield t, schools
            elif not t.org_ids:
                ctx.plan.error(
                    t.where, _("The staff member belongs to no school (orgSourcedIds is empty).")
                )
            elif all(o in ctx.roster.other_orgs for o in t.org_ids):
                not_a_school(ctx, t.where, t.name, t.org_ids[0])

    def wanted(self, placed: tuple[PersonRow, list], match: Any) -> dict | None:
        t, plan = placed[0], self.ctx.plan
        if match is not None and match.sourced_id not in (None, t.sourced_id):
            # found by email, and another import's: never taken over
            plan.refuse(
                t.where,
                _(
                    "%(name)s: %(email)s is the email of another account.",
                    name=t.name,
                    email=t.email,
                ),
            )
            return None
        if match is None and not t.email:
            plan.refuse(
                t.where,
                _("%(name)s: no email, so the account could never be invited.", name=t.name),
            )
            return None
        if match is None:
            return {
                "sourced_id": t.sourced_id,
                "email": t.email,
                "name": t.name,
                "password_hash": None,
                "languages": "en",
            }
        wanted = {"sourced_id": t.sourced_id, "name": t.name}
        held = self.by_email.get(t.email)
        if t.email and (held is None or held.id == match.id):
            wanted["email"] = t.email  # an email another account has is left as it is
        return wanted

    def staff(self, t: PersonRow, ref: int | New, schools: list) -> None:
        """The visitor role at each of the staff member's schools they do not hold yet."""
        ctx = self.ctx
        for school in dict.fromkeys(schools):
            if isinstance(ref, New) or isinstance(school, New) or (ref, school) not in self.held:
                ctx.plan.ops.inserts["roles"].append(
                    {"user_id": ref, "school_id": school, "role": "visitor"}
                )
                if not isinstance(ref, New):
                    ctx.plan.add(
                        "teachers",
                        "updated",
                        t.name,
                        _("staff of %(school)s", school=ctx.school_names.get(school, "")),
                    )


def plan_teachers(ctx: Context) -> None:
    teachers = [t for t in ctx.roster.teachers.values() if not t.deleted]
    if not teachers:
        return
    kind = _Teachers(ctx, teachers)
    for step in reconcile(kind.placed(teachers), kind.matches, _key, kind.wanted):
        t, schools = step.row
        ref = New("user", step.key) if step.match is None else step.match.id
        record(ctx.plan, "teachers", step, t.name, t.email, table="users")
        ctx.teacher_ref[step.key] = ref
        kind.staff(t, ref, schools)


def _key(placed: tuple[PersonRow, list]) -> str:
    return placed[0].sourced_id
