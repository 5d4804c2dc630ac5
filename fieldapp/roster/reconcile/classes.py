"""Classes: matched by sourcedId at the school their row names; a class of a school outside the
importer's scope is refused. A full classes.csv deactivates the classes an import made at the
schools it covers that it no longer lists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.i18n import gettext as _
from fieldapp.models import SchoolClass
from fieldapp.roster.changes import New
from fieldapp.roster.reconcile import GONE, deactivate_absent, reconcile, record, rows_by
from fieldapp.roster.reconcile.context import Context
from fieldapp.roster.reconcile.schools import school_of
from fieldapp.roster.rows import ClassRow

COLUMNS = (
    SchoolClass.id,
    SchoolClass.sourced_id,
    SchoolClass.school_id,
    SchoolClass.name,
    SchoolClass.grade,
    SchoolClass.active,
)


def plan_classes(ctx: Context) -> None:
    rows = ctx.roster.classes
    existing = {r.sourced_id: r for r in rows_by(SchoolClass.sourced_id, rows, *COLUMNS)}
    ctx.classes_db = dict(existing)

    def wanted(placed: tuple[ClassRow, int | New], match: Any) -> dict | None:
        c, school = placed
        if match is not None and not ctx.in_scope(match.school_id):
            ctx.plan.refuse(c.where, _("%(name)s: a class of another school.", name=c.title))
            return None
        if c.deleted:
            return GONE
        return {
            "sourced_id": c.sourced_id,
            "school_id": school,
            "name": c.title,
            "grade": c.grade,
            "active": True,
        }

    for step in reconcile(_placed(ctx, rows.values()), existing, _key, wanted):
        c, school = step.row
        if step.action != "deactivated":
            ref = New("class", step.key) if step.match is None else step.match.id
            ctx.class_ref[step.key] = ref
        record(ctx.plan, "classes", step, c.title, ctx.school_names.get(school, ""))
    if ctx.roster.full.get("classes") and ctx.covered:
        stored = db.session.execute(
            select(SchoolClass.id, SchoolClass.name, SchoolClass.sourced_id).where(
                SchoolClass.school_id.in_(ctx.covered),
                SchoolClass.sourced_id.is_not(None),
                SchoolClass.active.is_(True),
            )
        )
        deactivate_absent(ctx.plan, "classes", stored, rows, lambda r: r.name)


def _placed(ctx: Context, rows) -> Iterator[tuple[ClassRow, int | New]]:
    for c in rows:
        school = school_of(ctx, c.school_id, c.where, c.title)
        if school is not None:
            yield c, school


def _key(placed: tuple[ClassRow, Any]) -> str:
    return placed[0].sourced_id
