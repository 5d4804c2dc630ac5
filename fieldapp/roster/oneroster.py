"""A OneRoster 1.1 or 1.2 CSV set read into a ``Roster`` (see ``parse.py`` for the format in
short and what vendors' sets hold)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fieldapp.i18n import gettext as _
from fieldapp.roster import columns as col
from fieldapp.roster.columns import Table, fits, needed, read_table, status
from fieldapp.roster.languages import LANGUAGE_COLUMNS, row_language
from fieldapp.roster.rows import ClassRow, EnrollmentRow, OrgRow, PersonRow, Roster, Where

GUARDIAN_ROLES = {"guardian", "parent", "relative"}
# Staff of a school in OneRoster 1.1 (administrator, aide, proctor, teacher) and 1.2 (aide,
# counselor, districtAdministrator, principal, proctor, siteAdministrator, systemAdministrator,
# teacher), lower-cased: all may visit families once trained.
STAFF_ROLES = {
    "teacher",
    "aide",
    "counselor",
    "administrator",
    "principal",
    "proctor",
    "siteadministrator",
    "districtadministrator",
    "systemadministrator",
}
FILES = {
    "orgs.csv": col.ORGS,
    "users.csv": col.USERS,
    "classes.csv": col.CLASSES,
    "enrollments.csv": col.ENROLLMENTS,
    "roles.csv": col.ROLES,
}


def _manifest(files: dict[str, str], roster: Roster) -> str | None:
    text = files.get("manifest.csv")
    if text is None:
        return None
    table = read_table("manifest.csv", text, roster, col.MANIFEST)
    if table is None:
        return None
    props = {row["propertyname"]: row["value"] for _, row in table.rows}
    for kind, file in (
        ("schools", "orgs"),
        ("students", "users"),
        ("classes", "classes"),
        ("enrollments", "enrollments"),
    ):
        mode = props.get(f"file.{file}", "").lower()
        if mode == "delta":
            roster.full[kind] = False
            if kind == "students":
                roster.full["teachers"] = roster.full["guardians"] = False
    return props.get("oneroster.version")


def _records(table: Table, roster: Roster) -> Iterator[tuple[Where, dict[str, str], str, bool]]:
    """A file's rows keyed by sourcedId, each with its place and its ``tobedeleted`` flag; a
    row with a missing, too long or repeated id or an unknown status is reported and left
    out."""
    seen: dict[str, int] = {}
    for line, row in table.rows:
        where = Where(table.name, line)
        sid = _sourced_id(row, roster, where, seen)
        deleted = status(row, roster, where)
        if sid is not None and deleted is not None:
            yield where, row, sid, deleted


def _sourced_id(row: dict[str, str], roster: Roster, where: Where, seen: dict) -> str | None:
    if not needed(roster, where, row, col.SOURCED_ID):
        return None
    sid = row[col.SOURCED_ID.key]
    if not fits(roster, where, (col.SOURCED_ID, sid)):
        return None
    if sid in seen:
        roster.error(
            where, _("sourcedId %(id)s is already on line %(line)s.", id=sid, line=seen[sid])
        )
        return None
    seen[sid] = where.line
    return sid


def _read_orgs(table: Table, roster: Roster) -> None:
    for where, row, sid, deleted in _records(table, roster):
        if row["type"].lower() != "school":
            # Districts, departments…: not places where visits happen, but named in messages.
            roster.other_orgs[sid] = (row["type"], row["name"])
            continue
        if not needed(roster, where, row, col.ORG_NAME):
            continue
        name = row["name"]
        if not fits(roster, where, (col.ORG_NAME, name)):
            continue
        code = row.get("identifier", "") or sid
        roster.schools[sid] = OrgRow(sid, name, code[:40], where, deleted)


def _read_roles(table: Table, roster: Roster) -> dict[str, tuple[str, list[str]]]:
    """1.2's roles.csv: per user, the role that counts (primary first) and its orgs."""
    roles: dict[str, tuple[str, list[str], bool]] = {}
    for line, row in table.rows:
        where = Where(table.name, line)
        if not needed(roster, where, row, col.ROLE_USER):
            continue
        if status(row, roster, where):
            continue
        user, role = row["usersourcedid"], row["role"].lower()
        primary = row.get("roletype", "primary").lower() != "secondary"
        org = row["orgsourcedid"]
        current = roles.get(user)
        if current is None or (primary and not current[2]):
            roles[user] = (role, [org] if org else [], primary)
        elif current[0] == role and org and org not in current[1]:
            current[1].append(org)
    return {user: (role, orgs) for user, (role, orgs, _) in roles.items()}


def _kind(role: str) -> str | None:
    if role == "student":
        return "student"
    if role in STAFF_ROLES:
        return "teacher"  # the roster's word for staff who can be trained to visit
    if role in GUARDIAN_ROLES:
        return "guardian"
    return None


class _Users:
    """users.csv, with the roles of 1.2's roles.csv when the set has one."""

    def __init__(self, table: Table, roster: Roster, roles: dict | None):
        self.table, self.roster, self.roles = table, roster, roles
        header = table.header
        self.role_column = "role" if "role" in header else "roles" if "roles" in header else None
        self.emails: dict[str, int] = {}  # a staff member's email → its line

    def read(self) -> None:
        if self.roles is None and self.role_column is None:
            self.roster.error(
                self.table.name, _("Missing column: role (or a roles.csv file, OneRoster 1.2)."), 1
            )
            return
        for where, row, sid, deleted in _records(self.table, self.roster):
            role, orgs = self.role(row, sid)
            kind = self.kind(role, where)
            if kind is None:
                continue
            person = self.person(row, where, sid, deleted, kind, role, orgs)
            if person is not None:
                getattr(self.roster, f"{kind}s")[sid] = person

    def role(self, row: dict[str, str], sid: str) -> tuple[str, list[str]]:
        """The user's role (roles.csv's, else the first of users.csv's) and orgs."""
        if self.roles is not None and sid in self.roles:
            role, orgs = self.roles[sid]
        elif self.role_column is not None:
            role = (col.ids(row[self.role_column]) or [""])[0].lower()
            orgs = col.ORG_IDS.read(row)
        else:
            role, orgs = "", []
        if not orgs and row.get("primaryorgsourcedid"):
            orgs = [row["primaryorgsourcedid"]]
        return role, orgs

    def kind(self, role: str, where: Where) -> str | None:
        kind = _kind(role)
        if kind is None and not role:
            self.roster.error(where, _("The user has no role."))
        elif kind is None:
            self.roster.warn(
                where, _("Skipped: the role “%(role)s” is not one this app imports.", role=role)
            )
        return kind

    def person(self, row, where, sid, deleted, kind, role, orgs) -> PersonRow | None:
        roster = self.roster
        if not self.named(row, where, kind):
            return None
        email = col.EMAIL.read(row) or (col.USERNAME.read(row) if kind == "teacher" else None)
        if not fits(roster, where, (col.EMAIL, email)):
            return None
        if kind == "teacher" and email and not deleted and not self.unique(email, where):
            return None
        person = PersonRow(
            sourced_id=sid,
            given=row[col.GIVEN.key],
            family=row[col.FAMILY.key],
            role=kind,
            where=where,
            relationship=role if kind == "guardian" else None,
            email=email,
            phone=col.phone(row.get("phone", "") or row.get("sms", "")),
            identifier=(row.get("identifier", "") or None),
            grade=col.GRADES.read(row),
            org_ids=orgs,
            agent_ids=col.AGENT_IDS.read(row),
            deleted=deleted,
        )
        if kind != "teacher":
            language = row_language(row, roster, where)
            if language and kind == "student":
                person.household["home_language"] = language
            person.language = language
        if kind == "student" and not fits(roster, where, (col.IDENTIFIER, person.identifier)):
            return None
        return person

    def named(self, row: dict[str, str], where: Where, kind: str) -> bool:
        """A person's names: both needed (a guardian's may be empty), neither too long."""
        roster = self.roster
        if kind != "guardian" and not needed(roster, where, row, col.GIVEN, col.FAMILY):
            return False
        return fits(
            roster, where, (col.GIVEN, row[col.GIVEN.key]), (col.FAMILY, row[col.FAMILY.key])
        )

    def unique(self, email: str, where: Where) -> bool:
        """Two staff rows with one email would be one account: the second is an error."""
        if email in self.emails:
            self.roster.error(
                where,
                _(
                    "email %(email)s is already on line %(line)s.",
                    email=email,
                    line=self.emails[email],
                ),
            )
            return False
        self.emails[email] = where.line
        return True


def _read_classes(table: Table, roster: Roster) -> None:
    for where, row, sid, deleted in _records(table, roster):
        if not needed(roster, where, row, col.TITLE, col.CLASS_SCHOOL):
            continue
        title, school = row[col.TITLE.key], row[col.CLASS_SCHOOL.key]
        if not fits(roster, where, (col.TITLE, title)):
            continue
        roster.classes[sid] = ClassRow(sid, title, col.GRADES.read(row), school, where, deleted)


def _read_demographics(table: Table, roster: Roster) -> None:
    """Only a vendor's language column is read: the spec's columns (birth, sex, race…) are not
    the home-visit program's business."""
    if not any(c in table.header for c in LANGUAGE_COLUMNS):
        return
    for line, row in table.rows:
        where = Where(table.name, line)
        person = roster.students.get(row.get("sourcedid", "")) or roster.guardians.get(
            row.get("sourcedid", "")
        )
        if person is None or person.language:
            continue  # a person not imported, or a language users.csv already gave
        language = row_language(row, roster, where)
        if language:
            person.language = language
            if person.role == "student":
                person.household["home_language"] = language


def _read_enrollments(table: Table, roster: Roster) -> None:
    for line, row in table.rows:
        where = Where(table.name, line)
        deleted = status(row, roster, where)
        if deleted is None:
            continue
        if not needed(roster, where, row, col.ENROLLED_CLASS, col.ENROLLED_USER):
            continue
        cls, user, role = row["classsourcedid"], row["usersourcedid"], row["role"].lower()
        if role in ("student", "teacher"):
            roster.enrollments.append(EnrollmentRow(cls, user, role, where, deleted))


def read(files: dict[str, str], roster: Roster, progress: Callable) -> None:
    version = _manifest(files, roster)
    tables: dict[str, Table] = {}
    for name, columns in FILES.items():
        if name in files:
            table = read_table(name, files[name], roster, columns)
            if table is not None:
                tables[name] = table
    if "users.csv" not in files:
        roster.error("users.csv", _("The set has no users.csv."))
    if version is None:
        version = "1.2" if "roles.csv" in files else "1.1"
    roster.format = f"OneRoster {version}"
    progress(10, _("Reading schools and people"))
    if "orgs.csv" in tables:
        _read_orgs(tables["orgs.csv"], roster)
    roles = _read_roles(tables["roles.csv"], roster) if "roles.csv" in tables else None
    if "users.csv" in tables:
        _Users(tables["users.csv"], roster, roles).read()
    progress(20, _("Reading classes"))
    if "classes.csv" in tables:
        _read_classes(tables["classes.csv"], roster)
    if "enrollments.csv" in tables:
        _read_enrollments(tables["enrollments.csv"], roster)
    if "demographics.csv" in files:
        table = read_table("demographics.csv", files["demographics.csv"], roster, col.DEMOGRAPHICS)
        if table is not None:
            _read_demographics(table, roster)
    for kind, present in (
        ("schools", "orgs.csv"),
        ("classes", "classes.csv"),
        ("enrollments", "enrollments.csv"),
    ):
        if present not in tables:
            roster.full[kind] = False  # no file: nothing to say about what is absent
    _fill_grades(roster)


def _fill_grades(roster: Roster) -> None:
    # A student's grade, when users.csv leaves it out: the grade of their first class.
    class_grades = {c.sourced_id: c.grade for c in roster.classes.values() if c.grade}
    for e in roster.enrollments:
        student = roster.students.get(e.user_id)
        if student is not None and student.grade is None and e.class_id in class_grades:
            student.grade = class_grades[e.class_id]
    for student in roster.students.values():
        if student.grade is None and not student.deleted:
            # Optional in 1.1: imported as "grade not given", for the coordinator to fill in.
            student.grade = ""
            roster.warn(
                student.where,
                _(
                    "The student has no grade (grades column, or a class with grades): "
                    "imported as “grade not given”."
                ),
            )
