"""Reading a roster upload into typed rows, with every problem tied to its file and line.

Two formats arrive: a OneRoster 1.1 or 1.2 CSV set (a zip, or the files of a folder) and our
plain CSV template (one row per student) for schools without OneRoster. Both become one
``Roster``; planning against the database happens in ``plan.py``. Only the stdlib is used
(``csv``, ``zipfile``), and nothing here touches the database.

OneRoster in short (1EdTech's CSV binding): ``manifest.csv`` names the version and, per file,
``bulk`` (the whole set: what is absent is gone) or ``delta`` (only changes; ``status`` says
``tobedeleted``). ``orgs.csv`` holds schools; ``users.csv`` people, with ``role`` and
``orgSourcedIds`` in 1.1, while 1.2 moves roles to ``roles.csv`` (one row per user, role and
org); guardians are users with role guardian/parent/relative, linked to students by
``agentSourcedIds``. ``classes.csv`` and ``enrollments.csv`` give classes and who is in them.

What other vendors' sets hold, and what is done with it:
- grades are optional in 1.1: a student without one is imported with the grade "not given" (the
  empty string) and a warning on its line;
- staff come as teacher, aide, counselor, administrator, principal, proctor, site/district/system
  administrator (1.1 and 1.2 role vocabularies): all are imported as staff who can be trained
  (the app's visitor role at their schools), never as app admins;
- OneRoster has no home language (1.1 and 1.2 ``demographics.csv`` carry birth, sex, race and
  residence only); vendors add one as a ``metadata.*`` column (see ``LANGUAGE_COLUMNS``) on
  ``users.csv`` or ``demographics.csv``. Without one the family's language stays unknown.
Rows left out are warnings (file, line, why), kept apart from the errors that stop an import.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError

from fieldapp.i18n import gettext as _
from fieldapp.i18n import ngettext
from fieldapp.phones import e164_or_as_written

MAX_UNZIPPED = 200 * 1024 * 1024  # 30,000 students make 5 MB of CSV; far more is no roster
MAX_FILES = 50
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
# Where vendors put a home language (lower-cased column names), first found wins.
LANGUAGE_COLUMNS = (
    "metadata.homelanguage",
    "metadata.home_language",
    "metadata.primarylanguage",
    "metadata.primary_language",
    "metadata.language",
    "metadata.languagecode",
    "metadata.language_code",
    "metadata.spokenlanguage",
    "metadata.preferredlanguage",
)
# ISO 639-2 (bibliographic and terminology) codes of the languages schools meet most, to 639-1.
_ISO_639_2 = {
    "eng": "en", "spa": "es", "vie": "vi", "som": "so", "zho": "zh", "chi": "zh", "ara": "ar",
    "tgl": "tl", "fil": "tl", "hat": "ht", "por": "pt", "fra": "fr", "fre": "fr", "rus": "ru",
    "kor": "ko", "jpn": "ja", "hin": "hi", "urd": "ur", "ben": "bn", "pan": "pa", "fas": "fa",
    "per": "fa", "prs": "fa", "pus": "ps", "amh": "am", "tir": "ti", "swa": "sw", "ukr": "uk",
    "pol": "pl", "deu": "de", "ger": "de", "ita": "it", "khm": "km", "lao": "lo", "tha": "th",
    "mya": "my", "bur": "my", "nep": "ne", "guj": "gu", "tel": "te", "tam": "ta", "mar": "mr",
    "yor": "yo", "ibo": "ig", "hau": "ha", "orm": "om", "kin": "rw", "run": "rn", "ell": "el",
    "gre": "el", "heb": "he", "tur": "tr", "ron": "ro", "rum": "ro", "hye": "hy", "arm": "hy",
}  # fmt: skip
KINDS = ("schools", "teachers", "classes", "students", "guardians", "enrollments")
TEMPLATE_NAME = "roster-template.csv"
TEMPLATE_GUARDIANS = 2
TEMPLATE_COLUMNS = [
    "student_id",
    "first_name",
    "last_name",
    "grade",
    "school_code",
    "home_language",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    *(
        f"guardian{n}_{part}"
        for n in range(1, TEMPLATE_GUARDIANS + 1)
        for part in ("name", "relationship", "phone", "email", "language")
    ),
]
TEMPLATE_REQUIRED = ["student_id", "first_name", "last_name", "grade", "school_code"]
REQUIRED = {
    "orgs.csv": ["sourcedId", "name", "type"],
    "users.csv": ["sourcedId", "givenName", "familyName"],
    "classes.csv": ["sourcedId", "title", "schoolSourcedId"],
    "enrollments.csv": ["classSourcedId", "userSourcedId", "role"],
    "roles.csv": ["userSourcedId", "role", "orgSourcedId"],
}
LIMITS = {"sourcedId": 255, "name": 200, "given": 100, "family": 100, "email": 254, "title": 200}


class UploadError(Exception):
    """The upload as a whole cannot be read (not a zip or CSV, empty, too large)."""


@dataclass(frozen=True)
class LineError:
    file: str
    line: int  # 1 is the header; 0: the file as a whole
    message: str

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class Where:
    file: str
    line: int


@dataclass
class OrgRow:
    sourced_id: str
    name: str
    code: str
    where: Where
    deleted: bool = False


@dataclass
class PersonRow:
    sourced_id: str
    given: str
    family: str
    role: str  # "student", "teacher" or "guardian" (the kind, not OneRoster's exact word)
    where: Where
    relationship: str | None = None  # a guardian's OneRoster role or the template's word
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    identifier: str | None = None  # the school system's student id
    grade: str | None = None
    org_ids: list[str] = field(default_factory=list)
    agent_ids: list[str] = field(default_factory=list)
    deleted: bool = False
    # The template's household details (OneRoster has none): applied to the student's family.
    household: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}".strip()


@dataclass
class ClassRow:
    sourced_id: str
    title: str
    grade: str | None
    school_id: str
    where: Where
    deleted: bool = False


@dataclass
class EnrollmentRow:
    class_id: str
    user_id: str
    role: str
    where: Where
    deleted: bool = False


@dataclass
class Roster:
    format: str = ""
    # Per kind: True for a full (bulk) file, where what is absent is gone.
    full: dict[str, bool] = field(default_factory=dict)
    # "sourced_id" (OneRoster: schools by their sourcedId) or "code" (the template).
    school_key: str = "sourced_id"
    schools: dict[str, OrgRow] = field(default_factory=dict)
    # Orgs that are not schools (districts, departments…), by sourcedId: (type, name).
    other_orgs: dict[str, tuple[str, str]] = field(default_factory=dict)
    students: dict[str, PersonRow] = field(default_factory=dict)
    teachers: dict[str, PersonRow] = field(default_factory=dict)
    guardians: dict[str, PersonRow] = field(default_factory=dict)
    classes: dict[str, ClassRow] = field(default_factory=dict)
    enrollments: list[EnrollmentRow] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    rows: int = 0

    # What was left out or read as less than it said; the import goes on.
    warnings: list[LineError] = field(default_factory=list)

    def error(self, where: Where | str, message: str, line: int | None = None) -> None:
        if isinstance(where, Where):
            self.errors.append(LineError(where.file, where.line, message))
        else:
            self.errors.append(LineError(where, line or 0, message))

    def warn(self, where: Where, message: str) -> None:
        self.warnings.append(LineError(where.file, where.line, message))


# ---- reading the upload -----------------------------------------------------------------------


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(
            _("%(file)s is not UTF-8 text. Save it as “CSV UTF-8” and try again.", file=name)
        ) from exc


def read_upload(filename: str, data: bytes) -> dict[str, str]:
    """The CSV files of an upload (a zip, or one CSV file), by lower-cased base name."""
    if not data:
        raise UploadError(_("The file is empty."))
    if zipfile.is_zipfile(io.BytesIO(data)):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [
                    m
                    for m in archive.infolist()
                    if not m.is_dir()
                    and m.filename.lower().endswith(".csv")
                    and not Path(m.filename).name.startswith(("._", "."))
                ]
                if not members:
                    raise UploadError(_("The zip holds no CSV files."))
                if len(members) > MAX_FILES:
                    raise UploadError(
                        _("The zip holds more than %(num)d CSV files.", num=MAX_FILES)
                    )
                if sum(m.file_size for m in members) > MAX_UNZIPPED:
                    raise UploadError(_("The zip unpacks to more than this app accepts."))
                return {
                    Path(m.filename).name.lower(): _decode(
                        Path(m.filename).name, archive.read(m)[: MAX_UNZIPPED + 1]
                    )
                    for m in members
                }
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
            raise UploadError(
                _("The zip file is damaged or uses a compression we cannot read.")
            ) from exc
    name = Path(filename or "upload.csv").name
    if name.lower().endswith(".zip"):
        raise UploadError(_("%(file)s is not a readable zip file.", file=name))
    if not name.lower().endswith(".csv"):
        if b"\x00" in data[:4096]:
            raise UploadError(_("Upload a OneRoster zip or a CSV file."))
        name = f"{name}.csv"
    return {name.lower(): _decode(name, data)}


def read_folder(path: Path) -> dict[str, str]:
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if not files:
        raise UploadError(f"{path} holds no CSV files.")
    return {p.name.lower(): _decode(p.name, p.read_bytes()) for p in files}


def read_path(path: Path) -> tuple[str, dict[str, str]]:
    """For the command line: a zip, a CSV file or a folder of CSV files."""
    if path.is_dir():
        return path.name, read_folder(path)
    if not path.is_file():
        raise UploadError(f"{path} does not exist.")
    return path.name, read_upload(path.name, path.read_bytes())


# ---- CSV rows ---------------------------------------------------------------------------------


@dataclass
class Table:
    name: str
    header: dict[str, str]  # lower-cased → as written
    rows: list[tuple[int, dict[str, str]]]


def _table(name: str, text: str, roster: Roster, required: list[str]) -> Table | None:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            roster.error(name, _("The file is empty: it needs a header line."), 1)
            return None
        names = [h.strip() for h in header]
        lower = {h.lower(): h for h in names}
        missing = [c for c in required if c.lower() not in lower]
        if missing:
            roster.error(
                name,
                ngettext(
                    "Missing column: %(columns)s.",
                    "Missing columns: %(columns)s.",
                    len(missing),
                    columns=", ".join(missing),
                ),
                1,
            )
            return None
        rows = []
        keys = [n.lower() for n in names]
        width = len(keys)
        for values in reader:
            line = reader.line_num
            if len(values) != width:
                if not any(v.strip() for v in values):
                    continue
                if len(values) > width:
                    roster.error(
                        name,
                        _(
                            "%(values)d values for %(columns)d columns.",
                            values=len(values),
                            columns=width,
                        ),
                        line,
                    )
                    continue
            stripped = [v.strip() for v in values] + [""] * (width - len(values))
            if any(stripped):
                rows.append((line, dict(zip(keys, stripped, strict=True))))
    except csv.Error as exc:
        roster.error(name, _("Not readable as CSV: %(problem)s.", problem=exc), reader.line_num)
        return None
    roster.rows += len(rows)
    return Table(name, lower, rows)


def _ids(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _grade(value: str) -> str | None:
    first = (_ids(value) or [""])[0].upper()
    if not first:
        return None
    if first in {"KG", "K", "00"}:
        return "K"
    if first.isascii() and first.isdigit():
        return str(int(first))
    return first[:10]


def _phone(value: str) -> str | None:
    """E.164 when it is a real number; otherwise as written (shown as typed)."""
    return e164_or_as_written(value)


def _email(value: str) -> str | None:
    value = value.strip().lower()
    return value if value and "@" in value else None


def _status(row: dict[str, str], roster: Roster, where: Where) -> bool | None:
    """True for a row marked ``tobedeleted``; None (an error) for an unknown status."""
    status = row.get("status", "").lower()
    if status in ("", "active"):
        return False
    if status == "tobedeleted":
        return True
    roster.error(
        where,
        _("status must be active or tobedeleted, not “%(status)s”.", status=row.get("status")),
    )
    return None


def _check_lengths(roster: Roster, where: Where, **values: str) -> bool:
    ok = True
    for key, value in values.items():
        limit = LIMITS["sourcedId" if key == "sourcedId" else key]
        if value and len(value) > limit:
            roster.error(
                where, _("%(column)s is longer than %(num)d characters.", column=key, num=limit)
            )
            ok = False
    return ok


def _sourced_id(row: dict[str, str], roster: Roster, where: Where, seen: dict) -> str | None:
    sid = row.get("sourcedid", "")
    if not sid:
        roster.error(where, _("%(column)s is empty.", column="sourcedId"))
        return None
    if not _check_lengths(roster, where, sourcedId=sid):
        return None
    if sid in seen:
        roster.error(
            where, _("sourcedId %(id)s is already on line %(line)s.", id=sid, line=seen[sid])
        )
        return None
    seen[sid] = where.line
    return sid


# ---- OneRoster ----------------------------------------------------------------------------------


def _manifest(files: dict[str, str], roster: Roster) -> str | None:
    text = files.get("manifest.csv")
    if text is None:
        return None
    table = _table("manifest.csv", text, roster, ["propertyName", "value"])
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
    row with a missing or repeated id or an unknown status is reported and left out."""
    seen: dict[str, int] = {}
    for line, row in table.rows:
        where = Where(table.name, line)
        sid = _sourced_id(row, roster, where, seen)
        deleted = _status(row, roster, where)
        if sid is not None and deleted is not None:
            yield where, row, sid, deleted


def _read_orgs(table: Table, roster: Roster) -> None:
    for where, row, sid, deleted in _records(table, roster):
        if row["type"].lower() != "school":
            # Districts, departments…: not places where visits happen, but named in messages.
            roster.other_orgs[sid] = (row["type"], row["name"])
            continue
        name = row["name"]
        if not name:
            roster.error(where, _("%(column)s is empty.", column="name"))
            continue
        if not _check_lengths(roster, where, name=name):
            continue
        code = row.get("identifier", "") or sid
        roster.schools[sid] = OrgRow(sid, name, code[:40], where, deleted)


def _read_roles(table: Table, roster: Roster) -> dict[str, tuple[str, list[str]]]:
    """1.2's roles.csv: per user, the role that counts (primary first) and its orgs."""
    roles: dict[str, tuple[str, list[str], bool]] = {}
    for line, row in table.rows:
        where = Where(table.name, line)
        user = row["usersourcedid"]
        if not user:
            roster.error(where, _("%(column)s is empty.", column="userSourcedId"))
            continue
        if _status(row, roster, where):
            continue
        role = row["role"].lower()
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


_LANGUAGE_NAMES: dict[str, str] = {}


def _language_names() -> dict[str, str]:
    """Language names to codes: English names and each language's own ("Spanish", "español")."""
    if not _LANGUAGE_NAMES:
        english = Locale("en").languages
        for code, name in english.items():
            if "_" not in code:
                _LANGUAGE_NAMES.setdefault(name.lower(), code)
        for code in [c for c in english if len(c) == 2]:
            try:
                own = Locale(code).get_display_name(code)
            except (UnknownLocaleError, ValueError):
                continue
            if own:
                _LANGUAGE_NAMES.setdefault(own.lower(), code)
    return _LANGUAGE_NAMES


def language_code(value: str) -> str | None:
    """An ISO 639-1 code for what a roster wrote ("es", "es-MX", "spa", "Spanish", "español"),
    or a known three-letter code for a language that has no two-letter one (Hmong: "hmn");
    None when the value is not a language we recognise."""
    value = value.strip().lower().replace("_", "-")
    if not value:
        return None
    known = Locale("en").languages
    base = value.split("-")[0]
    if len(base) == 2 and base.isalpha() and base in known:
        return base
    if len(base) == 3 and base.isalpha():
        if base in _ISO_639_2:
            return _ISO_639_2[base]
        if base in known:
            return base
    name = value.split(",")[0].split("(")[0].strip()
    code = _language_names().get(name)
    return code if code and len(code) <= 3 else None


def _row_language(row: dict[str, str], roster: Roster, where: Where) -> str | None:
    """The home language a vendor's ``metadata.*`` column gives; an unreadable one is unknown,
    with a warning on the line."""
    column = next((c for c in LANGUAGE_COLUMNS if row.get(c)), None)
    if column is None:
        return None
    code = language_code(row[column])
    if code is None:
        roster.warn(
            where,
            _(
                "%(column)s: “%(value)s” is no language we know; the language stays unknown.",
                column=column,
                value=row[column][:40],
            ),
        )
    return code


def _read_users(table: Table, roster: Roster, roles: dict | None) -> None:
    role_column = "role" if "role" in table.header else "roles" if "roles" in table.header else None
    if roles is None and role_column is None:
        roster.error(table.name, _("Missing column: role (or a roles.csv file, OneRoster 1.2)."), 1)
        return
    emails: dict[str, int] = {}
    for where, row, sid, deleted in _records(table, roster):
        if roles is not None and sid in roles:
            role, orgs = roles[sid]
        elif role_column is not None:
            role = (_ids(row[role_column]) or [""])[0].lower()
            orgs = _ids(row.get("orgsourcedids", ""))
        else:
            role, orgs = "", []
        if not orgs and row.get("primaryorgsourcedid"):
            orgs = [row["primaryorgsourcedid"]]
        kind = _kind(role)
        if kind is None:
            if not role:
                roster.error(where, _("The user has no role."))
            else:
                roster.warn(
                    where,
                    _("Skipped: the role “%(role)s” is not one this app imports.", role=role),
                )
            continue
        given, family = row["givenname"], row["familyname"]
        if kind != "guardian" and not (given and family):
            roster.error(
                where,
                _(
                    "%(first)s and %(second)s are both needed.",
                    first="givenName",
                    second="familyName",
                ),
            )
            continue
        if not _check_lengths(roster, where, given=given, family=family):
            continue
        email = _email(row.get("email", "")) or (
            _email(row.get("username", "")) if kind == "teacher" else None
        )
        if email and len(email) > LIMITS["email"]:
            roster.error(
                where,
                _(
                    "%(column)s is longer than %(num)d characters.",
                    column="email",
                    num=LIMITS["email"],
                ),
            )
            continue
        if kind == "teacher" and email and not deleted:
            if email in emails:
                roster.error(
                    where,
                    _(
                        "email %(email)s is already on line %(line)s.",
                        email=email,
                        line=emails[email],
                    ),
                )
                continue
            emails[email] = where.line
        person = PersonRow(
            sourced_id=sid,
            given=given,
            family=family,
            role=kind,
            where=where,
            relationship=role if kind == "guardian" else None,
            email=email,
            phone=_phone(row.get("phone", "") or row.get("sms", "")),
            identifier=(row.get("identifier", "") or None),
            grade=_grade(row.get("grades", "")),
            org_ids=orgs,
            agent_ids=_ids(row.get("agentsourcedids", "")),
            deleted=deleted,
        )
        if kind != "teacher":
            language = _row_language(row, roster, where)
            if language and kind == "student":
                person.household["home_language"] = language
            person.language = language
        if kind == "student" and person.identifier and len(person.identifier) > 64:
            roster.error(
                where,
                _("%(column)s is longer than %(num)d characters.", column="identifier", num=64),
            )
            continue
        getattr(roster, f"{kind}s")[sid] = person


def _read_classes(table: Table, roster: Roster) -> None:
    for where, row, sid, deleted in _records(table, roster):
        title, school = row["title"], row["schoolsourcedid"]
        if not title or not school:
            roster.error(
                where,
                _(
                    "%(first)s and %(second)s are both needed.",
                    first="title",
                    second="schoolSourcedId",
                ),
            )
            continue
        if not _check_lengths(roster, where, title=title):
            continue
        roster.classes[sid] = ClassRow(
            sid, title, _grade(row.get("grades", "")), school, where, deleted
        )


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
        language = _row_language(row, roster, where)
        if language:
            person.language = language
            if person.role == "student":
                person.household["home_language"] = language


def _read_enrollments(table: Table, roster: Roster) -> None:
    for line, row in table.rows:
        where = Where(table.name, line)
        deleted = _status(row, roster, where)
        if deleted is None:
            continue
        cls, user, role = row["classsourcedid"], row["usersourcedid"], row["role"].lower()
        if not cls or not user:
            roster.error(
                where,
                _(
                    "%(first)s and %(second)s are both needed.",
                    first="classSourcedId",
                    second="userSourcedId",
                ),
            )
            continue
        if role in ("student", "teacher"):
            roster.enrollments.append(EnrollmentRow(cls, user, role, where, deleted))


def _one_roster(files: dict[str, str], roster: Roster, progress: Callable) -> None:
    version = _manifest(files, roster)
    tables: dict[str, Table] = {}
    for name, required in REQUIRED.items():
        if name in files:
            table = _table(name, files[name], roster, required)
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
        _read_users(tables["users.csv"], roster, roles)
    progress(20, _("Reading classes"))
    if "classes.csv" in tables:
        _read_classes(tables["classes.csv"], roster)
    if "enrollments.csv" in tables:
        _read_enrollments(tables["enrollments.csv"], roster)
    if "demographics.csv" in files:
        table = _table("demographics.csv", files["demographics.csv"], roster, ["sourcedId"])
        if table is not None:
            _read_demographics(table, roster)
    for kind, present in (
        ("schools", "orgs.csv"),
        ("classes", "classes.csv"),
        ("enrollments", "enrollments.csv"),
    ):
        if present not in tables:
            roster.full[kind] = False  # no file: nothing to say about what is absent
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


# ---- the plain CSV template -------------------------------------------------------------------


def _template(name: str, text: str, roster: Roster, progress: Callable) -> None:
    roster.format = _("CSV template")
    roster.school_key = "code"
    table = _table(name, text, roster, TEMPLATE_REQUIRED)
    if table is None:
        return
    progress(15, _("Reading students"))
    seen: dict[str, int] = {}
    for line, row in table.rows:
        where = Where(name, line)
        missing = [c for c in TEMPLATE_REQUIRED if not row.get(c)]
        if missing:
            roster.error(where, _("Empty: %(columns)s.", columns=", ".join(missing)))
            continue
        code, student_id = row["school_code"], row["student_id"]
        sid = f"csv:{code}:{student_id}"
        if sid in seen:
            roster.error(
                where,
                _(
                    "student %(id)s of %(school)s is already on line %(line)s.",
                    id=student_id,
                    school=code,
                    line=seen[sid],
                ),
            )
            continue
        seen[sid] = line
        if not _check_lengths(
            roster, where, given=row["first_name"], family=row["last_name"], sourcedId=sid
        ):
            continue
        if len(student_id) > 64:
            roster.error(
                where,
                _("%(column)s is longer than %(num)d characters.", column="student_id", num=64),
            )
            continue
        student = PersonRow(
            sourced_id=sid,
            given=row["first_name"],
            family=row["last_name"],
            role="student",
            where=where,
            identifier=student_id,
            grade=_grade(row["grade"]),
            org_ids=[code],
            household={
                k: row[k][: 100 if k == "city" else 200]
                for k in ("address_line1", "address_line2", "city", "postal_code")
                if row.get(k)
            },
        )
        if row.get("home_language"):
            language = language_code(row["home_language"])
            if language is None:
                roster.warn(
                    where,
                    _(
                        "home_language: “%(value)s” is no language we know; the language "
                        "stays unknown.",
                        value=row["home_language"][:40],
                    ),
                )
            else:
                student.household["home_language"] = language
        if len(student.household.get("postal_code", "")) > 20:
            roster.error(
                where,
                _("%(column)s is longer than %(num)d characters.", column="postal_code", num=20),
            )
            continue
        for n in range(1, TEMPLATE_GUARDIANS + 1):
            g = {
                part: row.get(f"guardian{n}_{part}", "")
                for part in ("name", "relationship", "phone", "email", "language")
            }
            if not any(g.values()):
                continue
            if not g["name"]:
                roster.error(
                    where,
                    _(
                        "%(column)s is empty but guardian%(n)d has details.",
                        column=f"guardian{n}_name",
                        n=n,
                    ),
                )
                continue
            email, phone = _email(g["email"]), _phone(g["phone"])
            if g["email"] and email is None:
                roster.error(
                    where, _("%(column)s is not an email address.", column=f"guardian{n}_email")
                )
                continue
            # Siblings share a guardian: the same email or phone is the same person.
            key = f"csv:{email or phone}" if (email or phone) else f"{sid}:g{n}"
            guardian = roster.guardians.get(key)
            if guardian is None:
                guardian = roster.guardians[key] = PersonRow(
                    sourced_id=key,
                    given=g["name"][:200],
                    family="",
                    role="guardian",
                    where=where,
                    relationship=g["relationship"][:50] or None,
                    email=email,
                    phone=phone,
                    language=language_code(g["language"]),
                )
            guardian.agent_ids.append(sid)
            student.agent_ids.append(key)
        roster.students[sid] = student


# ---- entry point --------------------------------------------------------------------------------


def parse(files: dict[str, str], progress: Callable[[int, str], None] | None = None) -> Roster:
    """A roster from the files of an upload; ``roster.errors`` says what is wrong and where."""
    progress = progress or (lambda pct, stage: None)
    roster = Roster(full=dict.fromkeys(KINDS, True))
    if any(n in files for n in ("users.csv", "orgs.csv", "manifest.csv")):
        _one_roster(files, roster, progress)
    elif len(files) == 1:
        name, text = next(iter(files.items()))
        header = next(csv.reader(io.StringIO(text)), [])
        if "student_id" in [h.strip().lower() for h in header]:
            _template(name, text, roster, progress)
        else:
            raise UploadError(
                _(
                    "This is neither a OneRoster set (users.csv, orgs.csv…) nor the roster "
                    "template (its first column is student_id)."
                )
            )
    else:
        raise UploadError(_("No users.csv in the upload: is this a OneRoster set?"))
    return roster


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow(
        [
            "10234",
            "Ana",
            "Lopez",
            "3",
            "LIN",
            "es",
            "12 Oak St",
            "",
            "Oakland",
            "94601",
            "Rosa Lopez",
            "mother",
            "(510) 555-0123",
            "rosa@example.org",
            "es",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    return out.getvalue()


def iter_errors(errors: list[LineError]) -> Iterator[dict]:
    for e in sorted(errors, key=lambda e: (e.file, e.line)):
        yield e.as_dict()
