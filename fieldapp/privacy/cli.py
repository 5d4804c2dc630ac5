"""``flask purge``, ``flask backup``, ``flask restore``: thin wrappers over ``retention`` and
``backups``."""

from __future__ import annotations

from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import with_appcontext

from fieldapp import clock, rules, tombstones
from fieldapp.extensions import db
from fieldapp.privacy import backups, retention


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Print what would be deleted; delete nothing.")
@with_appcontext
def purge(dry_run: bool):
    """Delete reflections, students' attendance and audit events older than the district keeps
    them, and the API's record of deletions older than a client may lag."""
    report = retention.purge(now=clock.now(), dry_run=dry_run)
    db.session.commit()
    verb = "Would delete" if dry_run else "Deleted"
    if report.reflections_before is None:
        click.echo("Reflections: kept for ever (no reflection_retention_years set).")
    else:
        click.echo(
            f"Reflections submitted before {_when(report.reflections_before)}: {verb.lower()} "
            f"{report.reflections}, with {report.private_notes} private note(s)."
        )
    if report.attendance_before is None:
        click.echo("Attendance: kept for ever (no attendance_retention_years set).")
    else:
        click.echo(
            f"Attendance of school years before {rules.school_year_label(report.attendance_before)}"
            f" (months before {report.attendance_before:%Y-%m-%d}): {verb.lower()} "
            f"{report.attendance_months} month(s)."
        )
    if report.audit_before is None:
        click.echo("Audit trail: kept for ever (no audit_retention_days set).")
    else:
        click.echo(
            f"Audit events before {_when(report.audit_before)}: {verb.lower()} "
            f"{report.audit_events}."
        )
    click.echo(
        f"API deletions listed before {_when(report.api_tombstones_before)} (kept "
        f"{tombstones.KEEP_DAYS} days): {verb.lower()} {report.api_tombstones}."
    )
    if dry_run:
        click.echo("Dry run: nothing was deleted.")


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} kB"


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
@with_appcontext
def backup(path: Path, force: bool):
    """Copy the SQLite database to PATH while the app runs (SQLite's online backup API).

    For PostgreSQL use pg_dump (see the README)."""
    try:
        info = backups.backup_database(db.engine.url, path, force=force)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Backed up to {info.path} ({_size(info.size)}, {info.tables} tables, "
        f"schema {info.revision}). It holds children's records: keep it safe."
    )


def migrations_head() -> str:
    """The revision this code's migrations end at."""
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head() or "none"


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(path: Path, yes: bool):
    """Replace the SQLite database's content with the backup at PATH, after checking it.

    For PostgreSQL use pg_restore (see the README)."""
    head = migrations_head()
    try:
        target = backups.sqlite_path(db.engine.url)
        info = backups.check_backup(path, expected_revision=head)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{info.path} is a sound backup ({info.tables} tables, schema {info.revision}).")
    if not yes:
        click.confirm(
            f"Replace everything in {target} with it? Changes made since the backup are lost",
            abort=True,
        )
    db.session.remove()
    db.engine.dispose()  # this process's pooled connections would hold the old pages
    try:
        backups.restore_database(path, db.engine.url, expected_revision=head)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored {target} from {info.path}.")


def register(app: Flask) -> None:
    app.cli.add_command(purge)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
