"""``flask roster import``: the same import from a shell, its stable interface."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from fieldapp.models import School, Student

DATA = Path(__file__).parent / "data"


def test_import_a_folder_then_again(runner, db):
    result = runner.invoke(args=["roster", "import", str(DATA / "oneroster-1.1")])
    assert result.exit_code == 0, result.output
    assert "Students: 5 created" in result.output
    assert "Families: 4 created" in result.output and "Refused: 0" in result.output
    again = runner.invoke(args=["roster", "import", str(DATA / "oneroster-1.1")])
    assert (
        "Students: no change" in again.output
        and "Teachers and other staff: no change" in again.output
    )


def test_a_dry_run_of_a_zip_changes_nothing(runner, db, tmp_path):
    archive = tmp_path / "roster.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in (DATA / "oneroster-1.2").iterdir():
            z.write(f, f"export/{f.name}")
    result = runner.invoke(args=["roster", "import", str(archive), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "OneRoster 1.2" in result.output and "5 would be created" in result.output
    assert db.session.scalar(select(func.count()).select_from(Student)) == 0


def test_errors_are_printed_by_file_and_line(runner, db):
    result = runner.invoke(args=["roster", "import", str(DATA / "oneroster-1.1-broken")])
    assert result.exit_code == 1
    assert "users.csv, line 7:" in result.output
    assert "nothing was imported" in result.output


def test_one_school_only(runner, db):
    runner.invoke(args=["roster", "import", str(DATA / "oneroster-1.1")])
    lincoln = db.session.scalar(select(School).where(School.code == "LIN"))
    result = runner.invoke(
        args=["roster", "import", str(DATA / "oneroster-1.1-changed"), "--school", lincoln.id]
    )
    assert result.exit_code == 0, result.output
    assert "Students: 1 created, 1 updated" in result.output
    assert "orgs.csv, line 4: Washington Middle" in result.output


def test_a_missing_path_or_school_is_a_clear_message(runner, db, tmp_path):
    result = runner.invoke(args=["roster", "import", str(tmp_path / "nope.zip")])
    assert result.exit_code == 1 and "does not exist" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "holds no CSV files" in runner.invoke(args=["roster", "import", str(empty)]).output
    shutil.copy(DATA / "oneroster-1.1" / "users.csv", tmp_path / "users.csv")
    result = runner.invoke(args=["roster", "import", str(tmp_path), "--school", "999"])
    assert result.exit_code == 2 and "No school with id 999" in result.output
