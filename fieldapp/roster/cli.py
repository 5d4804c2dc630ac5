"""``flask roster import PATH [--school ID] [--dry-run]``: the web's import, from a shell."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from fieldapp.extensions import db
from fieldapp.models import School
from fieldapp.roster import services
from fieldapp.roster.parse import UploadError, read_path
from fieldapp.roster.plan import ACTIONS

roster_cli = AppGroup(
    "roster", help="Roster imports (OneRoster 1.1/1.2 CSV, the template, or attendance)."
)


@roster_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--school", "school_id", type=int, help="Import into this school only (its id).")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
def import_roster(path: Path, school_id: int | None, dry_run: bool):
    """Import PATH: a OneRoster zip, a folder of its CSV files, the roster template, or the
    attendance template."""
    school = None
    if school_id is not None:
        school = db.session.get(School, school_id)
        if school is None:
            raise click.UsageError(f"No school with id {school_id}.")
    try:
        _, files = read_path(path)
        plan = services.run(files, school=school, dry_run=dry_run, by=None)
    except UploadError as exc:
        raise click.ClickException(str(exc)) from exc
    for e in sorted(plan.errors, key=lambda e: (e.file, e.line)):
        where = f"{e.file}, line {e.line}" if e.line else e.file
        click.echo(f"Error: {where}: {e.message}", err=True)
    if plan.errors:
        _warnings(plan)
        db.session.rollback()
        raise click.ClickException(
            f"{len(plan.errors)} error(s) in the files: nothing was imported."
        )
    db.session.commit()
    click.echo(f"{plan.format}, {plan.rows} rows{' (dry run: nothing changed)' if dry_run else ''}")
    verbs = {"created": "created", "updated": "updated", "deactivated": "deactivated"}
    if dry_run:
        verbs = {a: f"would be {v}" for a, v in verbs.items()}
    for kind, label in services.kind_labels(plan.changes).items():
        counts = {a: len(plan.changes[kind][a]) for a in ACTIONS}
        parts = [f"{n} {verbs[a]}" for a, n in counts.items() if n]
        click.echo(f"{label}: {', '.join(parts) if parts else 'no change'}")
    if hasattr(plan, "unchanged"):
        click.echo(f"Already as stored: {plan.unchanged}")
    click.echo(f"Refused: {len(plan.refused)}")
    for r in plan.refused:
        click.echo(f"  {r.file}, line {r.line}: {r.reason}")
    _warnings(plan)
    if plan.unknown_language:
        click.echo(
            f"Families whose home language the files do not give: {plan.unknown_language} "
            "(set it on the school's students and families page, language “Not known”)."
        )


def _warnings(plan) -> None:
    """Apart from the errors: rows left out, or read as less than they said (the import goes on)."""
    click.echo(f"Warnings: {len(plan.warnings)}")
    for w in sorted(plan.warnings, key=lambda w: (w.file, w.line)):
        click.echo(f"  {w.file}, line {w.line}: {w.message}")


def register(app: Flask) -> None:
    app.cli.add_command(roster_cli)
