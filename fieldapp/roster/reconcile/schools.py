"""Schools: matched by sourcedId (the template: by code, and never made); a school made by
hand with the file's code is taken over. Then the school each later row names: refused
outside the importer's scope, an error when unknown, a warning when it is an org that is no
school (a district)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.models import School
from fieldapp.roster.changes import New
from fieldapp.roster.reconcile import reconcile, record
from fieldapp.roster.reconcile.context import Context
from fieldapp.roster.rows import OrgRow, PersonRow, Where


class _Schools:
    def __init__(self, ctx: Context, by_code: dict[str, Any]):
        self.ctx, self.by_code = ctx, by_code

    def match(self, org: OrgRow) -> Any:
        """The stored school of a row: its sourcedId's, else one made by hand (no sourcedId)
        with its code, which the import takes over."""
        match = self.ctx.by_key.get(org.sourced_id)
        hand = self.by_code.get(org.code)
        if match is None and hand is not None and hand.sourced_id is None:
            return hand
        return match

    def wanted(self, org: OrgRow, match: Any) -> dict | None:
        ctx, sid = self.ctx, org.sourced_id
        if match is None:
            if ctx.allowed is not None:
                ctx.school_ref[sid] = None
                ctx.plan.refuse(
                    org.where,
                    _("%(name)s: you can import into your own school only.", name=org.name),
                )
                return None
            if org.code in self.by_code:
                ctx.plan.error(
                    org.where,
                    _(
                        "identifier %(code)s is already the code of %(school)s.",
                        code=org.code,
                        school=self.by_code[org.code].name,
                    ),
                )
                return None
            return {"sourced_id": sid, "name": org.name, "code": org.code}
        if not ctx.in_scope(match.id):
            ctx.school_ref[sid] = None
            ctx.plan.refuse(
                org.where,
                _("%(name)s: you can import into your own school only.", name=match.name),
            )
            return None
        wanted = {"sourced_id": sid, "name": org.name}
        held = self.by_code.get(org.code)
        if org.code != sid and (held is None or held.id == match.id):
            wanted["code"] = org.code  # a code another school has is left as it is
        return wanted


def plan_schools(ctx: Context) -> None:
    existing = db.session.execute(
        select(School.id, School.sourced_id, School.code, School.name)
    ).all()
    by_code = {r.code: r for r in existing}
    ctx.school_names.update({r.id: r.name for r in existing})
    if ctx.roster.school_key == "code":
        ctx.by_key = by_code
        return
    ctx.by_key = {r.sourced_id: r for r in existing if r.sourced_id}
    schools = _Schools(ctx, by_code)
    orgs = ctx.roster.schools
    matches = {sid: schools.match(org) for sid, org in orgs.items()}
    for step in reconcile(orgs.values(), matches, _sourced_id, schools.wanted):
        org = step.row
        if step.match is None:
            ref = ctx.school_ref[step.key] = New("school", step.key)
            ctx.school_names[ref] = org.name
        else:
            ctx.school_ref[step.key] = step.match.id
            ctx.covered.add(step.match.id)
        record(ctx.plan, "schools", step, org.name, org.code)


def _sourced_id(row: Any) -> str:
    return row.sourced_id


def school_of(ctx: Context, key: str, where: Where, what: str) -> int | New | None:
    """The school a row names; None when refused or unknown (an error)."""
    if key in ctx.school_ref:
        ref = ctx.school_ref[key]
        if ref is None:
            ctx.plan.refuse(where, _("%(name)s: not at your school.", name=what))
        return ref
    match = ctx.by_key.get(key)
    if match is None and key in ctx.roster.other_orgs:
        not_a_school(ctx, where, what, key)
        return None
    if match is None:
        ctx.plan.error(
            where,
            _("school %(id)s is not in orgs.csv nor a known school.", id=key)
            if ctx.roster.school_key != "code"
            else _("No school has the code %(code)s.", code=key),
        )
        return None
    if not ctx.in_scope(match.id):
        ctx.school_ref[key] = None
        ctx.plan.refuse(
            where, _("%(name)s: %(school)s is not your school.", name=what, school=match.name)
        )
        return None
    ctx.school_ref[key] = match.id
    ctx.covered.add(match.id)
    return match.id


def not_a_school(ctx: Context, where: Where, what: str, org: str) -> None:
    kind, name = ctx.roster.other_orgs[org]
    ctx.plan.warn(
        where,
        _(
            "Skipped: %(name)s belongs to %(org)s, which orgs.csv lists as a %(type)s, "
            "not a school.",
            name=what,
            org=name or org,
            type=kind,
        ),
    )


def is_school(ctx: Context, org: str) -> bool:
    return org in ctx.roster.schools or org in ctx.by_key


def first_school(ctx: Context, person: PersonRow) -> int | New | None:
    """A person's school: the first of their orgs that is a school."""
    if ctx.roster.school_key == "code":
        return school_of(ctx, person.org_ids[0], person.where, person.name)
    known = [o for o in person.org_ids if is_school(ctx, o)]
    if not known and person.org_ids and person.org_ids[0] in ctx.roster.other_orgs:
        return school_of(ctx, person.org_ids[0], person.where, person.name)
    if not known:
        ctx.plan.error(
            person.where,
            _("orgSourcedIds names no school of orgs.csv nor a known school.")
            if person.org_ids
            else _("The person belongs to no school (orgSourcedIds is empty)."),
        )
        return None
    return school_of(ctx, known[0], person.where, person.name)
