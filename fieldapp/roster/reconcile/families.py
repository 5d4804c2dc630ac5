"""Families and their guardians. Students who share a guardian are one family
(``group_families``); a family is found through a guardian already known, else a sibling's
family, else made; a student without guardians gets a placeholder family the coordinator
completes. A student who has a family keeps it. A family's details come from the template's
household columns; its language from them, else from a guardian's row, and never replaces one
already set."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.i18n import family_label, ngettext
from fieldapp.i18n import gettext as _
from fieldapp.models import Family, Guardian
from fieldapp.roster.changes import New, chunks
from fieldapp.roster.reconcile import Step, reconcile, record, rows_by
from fieldapp.roster.reconcile.context import Context
from fieldapp.roster.rows import PersonRow

GUARDIAN_COLUMNS = (
    Guardian.id,
    Guardian.sourced_id,
    Guardian.family_id,
    Guardian.name,
    Guardian.relationship_to_student,
    Guardian.phone,
    Guardian.email,
    Guardian.language,
)
FAMILY_COLUMNS = (
    Family.id,
    Family.name,
    Family.address_line1,
    Family.address_line2,
    Family.city,
    Family.postal_code,
    Family.home_language,
    Family.placeholder,
)


@dataclass(frozen=True)
class FamilyGroup:
    students: list[str]  # in the order given
    guardians: list[str]  # sorted


def group_families(
    students: Mapping[str, Iterable[str]], guardians: Mapping[str, Iterable[str]]
) -> Iterator[FamilyGroup]:
    """Students joined by the guardians they share: one group per connected set, in the order
    of each group's first student, made one at a time. ``students``: each student's guardians,
    as its row names them; ``guardians``: each guardian's students, as theirs does. A link
    either way joins; a guardian's link to someone not in ``students`` is left out."""
    links: dict[str, set[str]] = {sid: set(gids) for sid, gids in students.items()}
    for gid, kids in guardians.items():
        for sid in kids:
            if sid in links:
                links[sid].add(gid)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for sid, gids in links.items():
        find(sid)
        for gid in gids:
            parent[find(f"g:{gid}")] = find(sid)
    groups: dict[str, list[str]] = defaultdict(list)
    for sid in links:
        groups[find(sid)].append(sid)
    for members in groups.values():
        yield FamilyGroup(members, sorted({g for s in members for g in links[s]}))


class _Families:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        roster = ctx.roster
        self.students = list(ctx.student_ref)
        self.guardians = {sid: g for sid, g in roster.guardians.items() if not g.deleted}
        # Guardians of the file, and those a delta file names without listing them again.
        named = {gid for sid in self.students for gid in roster.students[sid].agent_ids}
        ids = set(self.guardians) | (named - set(roster.students) - set(roster.teachers))
        self.known = {r.sourced_id: r for r in rows_by(Guardian.sourced_id, ids, *GUARDIAN_COLUMNS)}
        self.new = itertools.count()  # the keys of new families
        self.placed: set[str] = set()  # guardians seen in a family
        self.family: dict[str, int | New] = {}  # the file's guardians placed, with their family
        self.rows: dict[int, Any] = {}
        self.positions: dict[int | New, int] = {}  # each family's last guardian position

    def groups(self) -> Iterator[FamilyGroup]:
        """The import's students in families; a guardian a student names that the files (or
        the database) do not have is an error."""
        roster, named = self.ctx.roster, {}
        for sid in self.students:
            gids = roster.students[sid].agent_ids
            named[sid] = gids if all(map(self.is_guardian, gids)) else self.valid(sid, gids)
        return group_families(named, {gid: g.agent_ids for gid, g in self.guardians.items()})

    def is_guardian(self, gid: str) -> bool:
        return gid in self.guardians or gid in self.known

    def valid(self, sid: str, gids: list[str]) -> list[str]:
        roster, valid = self.ctx.roster, []
        for gid in gids:
            if self.is_guardian(gid):
                valid.append(gid)
            elif gid not in roster.students and gid not in roster.teachers:
                self.ctx.plan.error(
                    roster.students[sid].where,
                    _("agentSourcedIds: %(id)s is not in users.csv.", id=gid),
                )
        return valid

    def load(self) -> None:
        """The stored families the import may find, and the positions of their guardians."""
        stored = self.ctx.students_db
        family_ids = {r.family_id for r in self.known.values()} | {
            stored[s].family_id for s in self.students if s in stored and stored[s].family_id
        }
        self.rows = {r.id: r for r in rows_by(Family.id, family_ids, *FAMILY_COLUMNS)}
        for batch in chunks(sorted(family_ids)):
            self.positions.update(
                db.session.execute(
                    select(Guardian.family_id, func.max(Guardian.position))
                    .where(Guardian.family_id.in_(batch))
                    .group_by(Guardian.family_id)
                ).all()
            )

    def family_of(self, group: FamilyGroup) -> int | None:
        """The stored family of a group: a known guardian's, else a student's."""
        known, stored = self.known, self.ctx.students_db
        found = (known[g].family_id for g in group.guardians if g in known)
        family = next(found, None)
        if family is None:
            family = next(
                (
                    stored[s].family_id
                    for s in group.students
                    if s in stored and stored[s].family_id
                ),
                None,
            )
        return family

    def wanted(self, group: FamilyGroup, match: Any) -> dict:
        first, gids = self.ctx.roster.students[group.students[0]], group.guardians
        household = first.household
        if match is None:
            return {
                "key": New("family", next(self.new)),
                "name": first.family,
                "placeholder": not gids,
                # None: unknown, for the coordinator to set (never a guessed English)
                "home_language": household.get("home_language") or self.language(gids),
                **{k: v for k, v in household.items() if k != "home_language"},
            }
        if not (household or (match.home_language is None and gids)):
            return {}
        wanted = dict(household)
        if match.home_language is None and "home_language" not in wanted:
            wanted["home_language"] = self.language(gids)
        # A language the files do not give never replaces one (set by hand or before).
        if wanted.get("home_language") is None:
            wanted.pop("home_language", None)
        return wanted

    def language(self, gids: list[str]) -> str | None:
        """The family's language when only a guardian's row gave one."""
        guardians = self.ctx.roster.guardians
        return next(
            (guardians[g].language for g in gids if g in guardians and guardians[g].language),
            None,
        )

    def join(self, students: list[str], family: int | New) -> None:
        """The group's students into the family, unless they have one."""
        ctx = self.ctx
        for s in students:
            stored = ctx.students_db.get(s)
            if stored is None:
                ctx.student_inserts[s]["family_id"] = family
            elif stored.family_id is None:
                ctx.plan.ops.updates["students"].append({"id": stored.id, "family_id": family})

    def place_guardians(self, gids: list[str], family: int | New) -> None:
        """The group's guardians not in a family yet, into this one (a known guardian not in
        this (delta) file only finds the family)."""
        for gid in gids:
            if gid not in self.placed:
                self.placed.add(gid)
                if gid in self.guardians:
                    self.family[gid] = family

    def plan_guardians(self) -> None:
        rows = [self.guardians[gid] for gid in self.family]  # in the order they were placed
        for step in reconcile(rows, self.known, _sourced_id, self.wanted_guardian):
            g = step.row
            record(self.ctx.plan, "guardians", step, _name(g), g.relationship or "")

    def wanted_guardian(self, g: PersonRow, match: Any) -> dict:
        values = {
            "name": _name(g),
            "relationship_to_student": g.relationship,
            "phone": g.phone,
            "email": g.email,
            "language": g.language,
        }
        if match is not None:
            return values
        family = self.family[g.sourced_id]
        return {
            "sourced_id": g.sourced_id,
            "family_id": family,
            "position": self.position(family),
            **values,
        }

    def position(self, family: int | New) -> int:
        """A new guardian's place in their family: after its last (a new family's first is 0),
        in the order the guardians came."""
        self.positions[family] = self.positions.get(family, -1) + 1
        return self.positions[family]

    def record(self, step: Step) -> int | New:
        """A family step into the plan; the family's id, or its New reference."""
        plan, group = self.ctx.plan, step.row
        if step.match is not None:
            record(plan, "families", step, step.match.name)
            return step.match.id
        first = self.ctx.roster.students[group.students[0]]
        detail = (
            ngettext("%(num)d student", "%(num)d students", len(group.students))
            if group.guardians
            else _("placeholder: to complete")
        )
        record(plan, "families", step, family_label(first.family), detail)
        return step.values["key"]

    def refuse_unplaced(self) -> None:
        """A guardian of the file in no family: refused when they name students, none of
        whom this import has."""
        students = self.ctx.roster.students
        for gid, g in self.guardians.items():
            if gid in self.placed or gid in self.known or not g.agent_ids:
                continue
            if not any(s in students for s in g.agent_ids):
                self.ctx.plan.refuse(
                    g.where, _("%(name)s: none of their students is in this import.", name=g.name)
                )


def _name(g: PersonRow) -> str:
    return g.name[:200] or g.relationship or "Guardian"


def _sourced_id(row: PersonRow) -> str:
    return row.sourced_id


def plan_families(ctx: Context) -> None:
    families = _Families(ctx)
    groups = families.groups()
    families.load()
    for step in reconcile(groups, families.rows, families.family_of, families.wanted):
        family = families.record(step)
        families.join(step.row.students, family)
        families.place_guardians(step.row.guardians, family)
    families.plan_guardians()
    families.refuse_unplaced()
