"""Reading a roster upload into typed rows, with every problem tied to its file and line.

Two formats arrive: a OneRoster 1.1 or 1.2 CSV set (a zip, or the files of a folder) and our
plain CSV template (one row per student) for schools without OneRoster. Both become one
``Roster`` (``rows.py``); planning against the database happens in ``plan.py``. Only the stdlib
is used (``csv``, ``zipfile``), and nothing here touches the database. The files' columns are
declared in ``columns.py``, the readers are ``oneroster.py`` and ``template.py``.

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
from pathlib import Path

from fieldapp.i18n import gettext as _
from fieldapp.roster import oneroster, template
from fieldapp.roster.languages import LANGUAGE_COLUMNS, language_code
from fieldapp.roster.oneroster import GUARDIAN_ROLES, STAFF_ROLES
from fieldapp.roster.rows import (
    KINDS,
    ClassRow,
    EnrollmentRow,
    LineError,
    OrgRow,
    PersonRow,
    Roster,
    UploadError,
    Where,
)
from fieldapp.roster.template import (
    TEMPLATE_COLUMNS,
    TEMPLATE_GUARDIANS,
    TEMPLATE_NAME,
    TEMPLATE_REQUIRED,
    template_csv,
)

__all__ = [
    "GUARDIAN_ROLES",
    "KINDS",
    "LANGUAGE_COLUMNS",
    "STAFF_ROLES",
    "TEMPLATE_COLUMNS",
    "TEMPLATE_GUARDIANS",
    "TEMPLATE_NAME",
    "TEMPLATE_REQUIRED",
    "ClassRow",
    "EnrollmentRow",
    "LineError",
    "OrgRow",
    "PersonRow",
    "Roster",
    "UploadError",
    "Where",
    "iter_errors",
    "language_code",
    "parse",
    "read_folder",
    "read_path",
    "read_upload",
    "template_csv",
]

MAX_UNZIPPED = 200 * 1024 * 1024  # 30,000 students make 5 MB of CSV; far more is no roster
MAX_FILES = 50


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


# ---- entry point --------------------------------------------------------------------------------


def parse(files: dict[str, str], progress: Callable[[int, str], None] | None = None) -> Roster:
    """A roster from the files of an upload; ``roster.errors`` says what is wrong and where."""
    progress = progress or (lambda pct, stage: None)
    roster = Roster(full=dict.fromkeys(KINDS, True))
    if any(n in files for n in ("users.csv", "orgs.csv", "manifest.csv")):
        oneroster.read(files, roster, progress)
    elif len(files) == 1:
        name, text = next(iter(files.items()))
        header = next(csv.reader(io.StringIO(text)), [])
        if "student_id" in [h.strip().lower() for h in header]:
            template.read(name, text, roster, progress)
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


def iter_errors(errors: list[LineError]) -> Iterator[dict]:
    for e in sorted(errors, key=lambda e: (e.file, e.line)):
        yield e.as_dict()
