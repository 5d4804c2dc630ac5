"""Every CSV the app serves, read as a script and a spreadsheet read it: fetched as the role that
may download it, with its byte order mark, and its header exactly the column list of docs/csv.md
(parsed here, so that the page and the code cannot drift), in English and in Spanish."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas
import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "csv.md"


def documented() -> dict[str, list[str]]:
    """Per section of docs/csv.md, the columns of its table, in order."""
    found: dict[str, list[str]] = {}
    section = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            found[section] = []
        elif section and (cell := re.match(r"\| `([a-z0-9_]+)` \|", line)):
            found[section].append(cell.group(1))
    return found


# Each documented file: who downloads it and from where (``{a}``: a school, ``{r}``: its round).
FETCHES = {
    "relationships": (
        "coordinator",
        "/schools/{a}/relationships.csv?start=2026-01-01&end=2026-12-31",
    ),
    "hours": ("coordinator", "/schools/{a}/hours.csv?start=2026-09-01&end=2026-11-30"),
    "roster": ("coordinator", "/schools/{a}/roster.csv?round={r}"),
    "trained-staff": ("trainer", "/training/roster.csv"),
    "audit": ("admin", "/admin/privacy/audit.csv"),
    "report-visits": ("coordinator", "/reports/data/visits.csv?school={a}"),
    "report-coverage-school": ("admin", "/reports/data/coverage-school.csv"),
    "report-coverage-grade": ("coordinator", "/reports/data/coverage-grade.csv?school={a}"),
    "report-coverage-class": ("coordinator", "/reports/data/coverage-class.csv?school={a}"),
    "report-follow-ups": ("coordinator", "/reports/data/follow-ups.csv?school={a}"),
    "report-training": ("trainer", "/reports/training.csv"),
    "report-families": ("coordinator", "/reports/data/families.csv?school={a}"),
    "report-hours": ("coordinator", "/reports/data/hours.csv?school={a}"),
    "district": ("admin", "/reports/district.csv"),
    "roster-template": ("admin", "/roster-imports/template.csv"),
    "report-impact-chronic": ("coordinator", "/reports/impact/impact-chronic.csv?school={a}"),
    "report-impact-attendance": ("admin", "/reports/impact/impact-attendance.csv"),
    "report-impact-before-after": (
        "coordinator",
        "/reports/impact/impact-before-after.csv?school={a}",
    ),
    "attendance-template": ("coordinator", "/roster-imports/attendance-template.csv"),
}


def test_the_page_documents_every_file_and_only_those():
    columns = documented()
    assert set(columns) == set(FETCHES)
    for name, names in columns.items():
        assert names and len(names) == len(set(names)), name
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names), name


@pytest.mark.parametrize("language", [None, "es"])
def test_every_csv_has_a_bom_and_the_documented_header(district, db, client, login, language):
    columns = documented()
    for person in (district.coordinator, district.trainer, district.admin):
        person.locale = language
    db.session.commit()
    headers = {"Accept-Language": "es-MX,es;q=0.9"} if language else {}
    for name, (role, address) in FETCHES.items():
        login(getattr(district, role))
        url = address.format(a=district.a.id, r=district.round_a.id)
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (name, response.status_code)
        assert response.mimetype == "text/csv", name
        assert response.data.startswith(b"\xef\xbb\xbf"), name  # for Excel on Windows
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        assert rows[0] == columns[name], name
        assert len(rows) > 1, name  # a row of data too: the file is not an empty shell
        assert all(len(row) == len(rows[0]) for row in rows), name
        # A second, independent reader (pandas' own C parser, as a script would read it).
        frame = pandas.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", dtype=str)
        assert list(frame.columns) == columns[name], name
        assert len(frame) == len(rows) - 1, name
